//! Directory search: text taken literally, and one- and two-letter prefixes and selective terms
//! paged in every order both ways, each against a brute-force answer. Frequent terms are in
//! `directory_frequent`.

use crate::directory::{add_user, all_pages, list, names, search};
use crate::invitation_support::entity_id;
use crate::support::prelude::*;
use app::backend::directory::{self, Filter, Order, Page, Sort};
use std::cmp::Reverse;
use uuid::Uuid;

async fn search_matches_text_literally(t: &TestDb) {
    demo(t).await;
    add_user(t, "northwind", "Zoë O'Brien", "zoe@northwind.test").await;
    add_user(
        t,
        "northwind",
        "Percent 100% Sure",
        "percent@northwind.test",
    )
    .await;
    add_user(t, "northwind", "Under_Score", "under@northwind.test").await;
    add_user(
        t,
        "northwind",
        "Back\\Slash \"Quoted\"",
        "back@northwind.test",
    )
    .await;
    add_user(t, "northwind", "Alan Wirth", "alan@northwind.test").await;
    add_user(t, "northwind", "Alanw Irth", "alanw@northwind.test").await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let found = |page: Page| names(&page);
    // A term with a space is the text with its space: PostgreSQL finds the candidates without
    // spaces ("nwirth" is in both names), then checks the term itself.
    assert_eq!(
        found(list(t, &operator, &search("n wirth")).await),
        ["Alan Wirth"]
    );
    assert_eq!(
        found(list(t, &operator, &search("NW IRTH")).await),
        ["Alanw Irth"]
    );
    let short = found(list(t, &operator, &search("n w")).await);
    assert!(short.contains(&"Alan Wirth".to_string()));
    assert!(!short.contains(&"Alanw Irth".to_string()));
    assert_eq!(
        found(list(t, &operator, &search("BRIEN")).await),
        ["Zoë O'Brien"]
    );
    assert_eq!(
        found(list(t, &operator, &search("ë o'")).await),
        ["Zoë O'Brien"]
    );
    assert_eq!(
        found(list(t, &operator, &search("0% s")).await),
        ["Percent 100% Sure"]
    );
    assert_eq!(
        found(list(t, &operator, &search("r_s")).await),
        ["Under_Score"]
    );
    assert!(found(list(t, &operator, &search("r%s")).await).is_empty());
    assert_eq!(
        found(list(t, &operator, &search("k\\s")).await),
        ["Back\\Slash \"Quoted\""]
    );
    assert_eq!(
        found(list(t, &operator, &search("\"quoted\"")).await),
        ["Back\\Slash \"Quoted\""]
    );
    // Prefixes of one or two characters: names or emails that start with them.
    assert_eq!(
        found(list(t, &operator, &search("zo")).await),
        ["Zoë O'Brien"]
    );
    assert_eq!(
        found(list(t, &operator, &search("un")).await),
        ["Under_Score"]
    );
    // Email substrings, and pending invitations by email.
    assert_eq!(
        found(list(t, &operator, &search("percent@")).await),
        ["Percent 100% Sure"]
    );
    assert_eq!(
        found(list(t, &operator, &search("new.hire@north")).await),
        ["new.hire"]
    );
    // Query syntax of the search index is only text here.
    for text in [
        "%",
        "_",
        "\\",
        "'",
        "\"",
        "a OR b",
        "NEAR(a b)",
        "*",
        "ab*",
        "🙂",
        "🙂🙂🙂",
        "-x",
        "^a",
    ] {
        list(t, &operator, &search(text)).await;
    }
    // Longer than any name or email: refused next to the search box before any work.
    let long = "x".repeat(10_000);
    let refused = directory::list_as(t.db.read(), &operator, &search(&long), Utc::now()).await;
    assert!(matches!(&refused, Err(ServiceError::Invalid(f)) if f.get("q").is_some()));
}
db_test!(search_matches_text_literally);

/// One- and two-letter prefixes (read as index ranges in name and email order) and selective
/// terms (from the search index), paged in every order both ways against a brute-force answer.
async fn searches_page_in_every_order_both_ways(t: &TestDb) {
    seed::seed_demo(&t.db, 400, Utc::now()).await.unwrap();
    // Name and email starting differently, both with the term, and letters beyond ASCII.
    add_user(t, "northwind", "Kit Marlowe", "ada.marlowe@northwind.test").await;
    add_user(t, "northwind", "Adam Smith", "adam@northwind.test").await;
    add_user(t, "contoso", "Ëlla Mäkinen", "ella@contoso.test").await;
    add_user(t, "contoso", "Elias Ahl", "ëlias@contoso.test").await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let contoso = entity_id(t, "contoso").await;
    let users = user::Entity::find()
        .filter(user::Column::PurgedAt.is_null())
        .all(t.db.read())
        .await
        .unwrap();
    let shown = [UserStatus::Active, UserStatus::Inactive];
    for term in [
        "a", "ad", "k", "ë", "ël", "zz", "A_", "lov", "ada l", "example",
    ] {
        for (sort, reversed) in [Sort::Name, Sort::Email, Sort::LastSignIn, Sort::Created]
            .into_iter()
            .flat_map(|sort| [(sort, false), (sort, true)])
        {
            for scope in [None, Some(contoso)] {
                let lower = term.to_lowercase();
                let mut expected: Vec<&user::Model> = users
                    .iter()
                    .filter(|u| shown.iter().any(|s| s.as_str() == u.status))
                    .filter(|u| scope.is_none_or(|e| u.entity_id == e))
                    .filter(|u| {
                        if lower.chars().count() < 3 {
                            u.sort_name.starts_with(&lower)
                                || u.email_normalized.starts_with(&lower)
                        } else {
                            u.sort_name.contains(&lower) || u.email_normalized.contains(&lower)
                        }
                    })
                    .collect();
                // Last sign-in: the most recent first, then those who never signed in.
                let signed_in = |u: &user::Model| {
                    (
                        u.last_login_at.is_none(),
                        Reverse(u.last_login_at),
                        Reverse(u.id),
                    )
                };
                expected.sort_by(|a, b| match sort {
                    Sort::Name => (&a.sort_name, a.id).cmp(&(&b.sort_name, b.id)),
                    Sort::Email => (&a.email_normalized, a.id).cmp(&(&b.email_normalized, b.id)),
                    Sort::LastSignIn => signed_in(a).cmp(&signed_in(b)),
                    Sort::Created => (b.created_at, b.id).cmp(&(a.created_at, a.id)),
                });
                if reversed {
                    expected.reverse();
                }
                let expected: Vec<Uuid> = expected.iter().map(|u| u.id).collect();
                let filter = Filter {
                    search: term.into(),
                    sort: Order { by: sort, reversed },
                    entity_id: scope,
                    statuses: shown.to_vec(),
                    ..Filter::default()
                };
                let paged = all_pages(t, &operator, &filter, 7).await;
                let way = if reversed { "reversed" } else { "" };
                assert_eq!(paged, expected, "{term:?} by {sort:?} {way} in {scope:?}");
                let first = list(t, &operator, &filter).await;
                assert_eq!(first.total, expected.len().min(1_001) as u64);
            }
        }
    }
}
db_test!(searches_page_in_every_order_both_ways);
