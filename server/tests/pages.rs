//! Server-rendered pages as a browser gets them over HTTP: each signed-in screen sends its
//! hydration data once, however the session's lookup and the page's own reads interleave.

mod support;

use app::backend::entity::user;
use app::backend::seed::DEMO_OPERATOR;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;
use support::{send, Call, TestServer};

/// The ids of the `__RESOLVED_RESOURCES[n] = …` assignments in a page, with how often each
/// value came.
fn resources(body: &str) -> (Vec<u32>, BTreeMap<String, usize>) {
    let mut ids = Vec::new();
    let mut values = BTreeMap::new();
    for part in body.split("__RESOLVED_RESOURCES[").skip(1) {
        let Some((id, rest)) = part.split_once("] = ") else {
            continue;
        };
        ids.push(id.parse().expect("a resource id"));
        let value = rest.split(";__RESOLVED").next().unwrap_or(rest);
        let value = value.split("</script>").next().unwrap_or(value);
        *values.entry(value.to_string()).or_default() += 1;
    }
    (ids, values)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_signed_in_page_carries_its_data_once() {
    let server = TestServer::start(|_| {}).await;
    let token = server.token(DEMO_OPERATOR).await;
    let user = user::Entity::find()
        .filter(user::Column::EmailNormalized.eq(DEMO_OPERATOR))
        .one(server.db.read())
        .await
        .unwrap()
        .expect("the demo operator")
        .id;
    let user_page = format!("/users/{user}");
    for path in [
        "/users",
        "/users?q=hopper",
        user_page.as_str(),
        "/invitations",
        "/account",
        "/mailbox",
    ] {
        // The session is looked up again for every page; sometimes it arrives before the page
        // is first walked, sometimes after: forty times each so both orders happen. Every
        // render sends the same resources, under the same ids, each once.
        let mut first: Option<Vec<u32>> = None;
        for _ in 0..40 {
            let page = send(server.addr, Call::get(path, Some(&token))).await;
            assert_eq!(page.status, 200, "{path}: {}", page.head);
            let (ids, values) = resources(&page.body);
            assert!(!ids.is_empty(), "{path}: no hydration data");
            let expected = first.get_or_insert_with(|| ids.clone());
            assert_eq!(
                &ids, expected,
                "{path}: other resources than the first render's"
            );
            let repeated: Vec<_> = values.iter().filter(|(_, n)| **n > 1).collect();
            assert!(
                repeated.is_empty(),
                "{path} sent {} resources (ids {ids:?}), {} of them more than once: {:?}",
                ids.len(),
                repeated.len(),
                repeated
                    .iter()
                    .map(|(v, n)| format!("{n}× {}", &v[..v.len().min(80)]))
                    .collect::<Vec<_>>()
            );
        }
    }
    server.stop().await;
}
