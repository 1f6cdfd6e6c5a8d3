//! The sessions table of My account and of a user's page: the same columns under the same
//! names, with each page's own action per row.

use crate::api::account::SessionView;
use leptos::prelude::*;

#[component]
pub fn SessionsTable<A>(list: Vec<SessionView>, action: A) -> impl IntoView
where
    A: Fn(&SessionView) -> AnyView + 'static,
{
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"IP address"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last active"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .iter()
                        .map(|s| {
                            view! {
                                <tr>
                                    <td data-label="Device">{s.browser.clone()}</td>
                                    <td data-label="IP address" class="mono">
                                        {s.ip.clone()}
                                    </td>
                                    <td data-label="Signed in">{s.created.clone()}</td>
                                    <td data-label="Last active">{s.last_seen.clone()}</td>
                                    <td class="actions">{action(s)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
