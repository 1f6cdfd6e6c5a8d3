//! A table's sortable column header, as the WAI-ARIA sortable table has it: a button in the
//! header cell, `aria-sort` on the cell saying which way the rows go.

use crate::domain::order::Direction;
use leptos::prelude::*;

/// `now`: the way the rows are sorted by this column, or `None` when they are sorted by another.
/// `next`: what the URL's sort becomes when the header is pressed.
#[component]
pub fn SortHeader(
    label: &'static str,
    now: Option<Direction>,
    next: String,
    on_sort: Callback<String>,
) -> impl IntoView {
    let (aria, mark) = match now {
        None => ("none", ""),
        Some(Direction::Ascending) => ("ascending", "↑"),
        Some(Direction::Descending) => ("descending", "↓"),
    };
    view! {
        <th scope="col" aria-sort=aria>
            <button
                type="button"
                class=if now.is_some() { "sort active" } else { "sort" }
                on:click=move |_| on_sort.run(next.clone())
            >
                {label}
                <span aria-hidden="true" class="sort-mark">
                    {mark}
                </span>
            </button>
        </th>
    }
}
