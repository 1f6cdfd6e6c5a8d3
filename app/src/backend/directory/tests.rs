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
fn a_reversed_order_is_the_exact_mirror() {
    let t = Utc::now();
    let keys = [
        (Key::Time(Some(t)), Uuid::now_v7()),
        (Key::Time(Some(t)), Uuid::now_v7()),
        (Key::Time(None), Uuid::now_v7()),
        (Key::Time(None), Uuid::now_v7()),
    ];
    for by in [Sort::LastSignIn, Sort::Created] {
        for a in &keys {
            for b in &keys {
                let natural = compare(by.into(), a, b);
                let reversed = compare(Order { by, reversed: true }, a, b);
                assert_eq!(reversed, natural.reverse());
            }
        }
    }
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
