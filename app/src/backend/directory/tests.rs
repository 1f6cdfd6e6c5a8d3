use super::*;

#[test]
fn terms_pick_their_kind_of_search() {
    assert_eq!(search_of("  "), Search::None);
    assert_eq!(search_of(" Ad "), Search::Prefix("ad".into()));
    assert_eq!(search_of("LOVE"), Search::Contains("love".into()));
    assert_eq!(search_of("Zoë"), Search::Contains("zoë".into()));
    assert_eq!(search_of(&"x".repeat(10_000)), Search::Impossible);
}

#[test]
fn fts_phrases_quote_everything() {
    assert_eq!(fts_phrase(r#"a"b OR c*"#), r#""a""b OR c*""#);
    assert_eq!(prefix_pattern("a_%"), "a\\_\\%%");
}

#[test]
fn cursors_round_trip() {
    let cursor = Cursor {
        users: Some(Mark {
            key: Key::Text("o'brien \"x\"".into()),
            id: Uuid::now_v7(),
        }),
        invitations: Some(Mark {
            key: Key::Time(None),
            id: Uuid::now_v7(),
        }),
        users_done: false,
        invitations_done: true,
        shown: 50,
    };
    assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    assert_eq!(Cursor::decode("garbage"), None);
}

#[test]
fn merge_order_puts_never_signed_in_last() {
    let t = Utc::now();
    let a = (Key::Time(Some(t)), Uuid::now_v7());
    let b = (Key::Time(None), Uuid::now_v7());
    assert_eq!(compare(Sort::LastSignIn.into(), &a, &b), Ordering::Less);
    let x = (Key::Text("ada".into()), Uuid::now_v7());
    let y = (Key::Text("bob".into()), Uuid::now_v7());
    assert_eq!(compare(Sort::Name.into(), &x, &y), Ordering::Less);
}

#[test]
fn last_sign_in_reversed_starts_with_those_who_never_signed_in() {
    let (earlier, later) = (Utc::now() - chrono::TimeDelta::days(1), Utc::now());
    let (low, high) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let never_low = (Key::Time(None), low);
    let never_high = (Key::Time(None), high);
    let old = (Key::Time(Some(earlier)), high);
    let recent_low = (Key::Time(Some(later)), low);
    let recent_high = (Key::Time(Some(later)), high);
    let sorted = |order: Order| {
        let mut keys = vec![
            old.clone(),
            never_high.clone(),
            recent_low.clone(),
            never_low.clone(),
            recent_high.clone(),
        ];
        keys.sort_by(|a, b| compare(order, a, b));
        keys
    };
    assert_eq!(
        sorted(Sort::LastSignIn.into()),
        [
            recent_high.clone(),
            recent_low.clone(),
            old.clone(),
            never_high.clone(),
            never_low.clone()
        ]
    );
    let reversed = Order {
        by: Sort::LastSignIn,
        reversed: true,
    };
    assert_eq!(
        sorted(reversed),
        [never_low, never_high, old, recent_low, recent_high]
    );
}

#[test]
fn spaced_terms_write_the_joined_index_expression_literally() {
    // As bound values, the space and the empty string would hide the expression of m0009's
    // index from PostgreSQL's generic plans, which then scan the whole table.
    let query = users_query(
        DbBackend::Postgres,
        None,
        &Filter::default(),
        &search_of("N Wirth"),
        true,
    );
    let sql = DbBackend::Postgres.build(&query.into_query()).sql;
    assert!(sql.contains(&format!("({JOINED_NAME}) LIKE $")), "{sql}");
}
