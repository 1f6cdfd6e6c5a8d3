//! Property tests for every parser a stranger's text reaches: email, name, password (sign-in,
//! accept, reset), the bulk-invite CSV and the directory cursor. Whatever is typed, each answers
//! without panicking, within its bounds, and the same way when given its own output again.

use super::directory::{Cursor, Key, Mark};
use super::invitations::bulk;
use crate::domain::{Email, NewPassword, PersonName};
use proptest::prelude::*;

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,300}",
        "[a-zA-Z0-9._%+@-]{0,80}",
        "[ \\t]{0,3}[a-z0-9.]{1,20}@[a-z0-9-]{1,20}\\.[a-z]{2,6}[ \\t]{0,3}",
        proptest::collection::vec(any::<char>(), 0..1200).prop_map(|c| c.into_iter().collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn emails_parse_within_bounds_and_round_trip(text in any_text()) {
        if let Ok(email) = Email::parse(&text) {
            prop_assert!(email.as_str().chars().count() <= Email::MAX_LEN);
            prop_assert_eq!(email.as_str(), text.trim());
            prop_assert_eq!(email.normalized(), text.trim().to_lowercase());
            prop_assert!(!email.as_str().chars().any(char::is_whitespace));
            let again = Email::parse(email.as_str()).unwrap();
            prop_assert_eq!(again.normalized(), email.normalized());
        }
    }

    #[test]
    fn names_parse_within_bounds_and_round_trip(text in any_text()) {
        if let Ok(name) = PersonName::parse(&text) {
            prop_assert!(!name.as_str().is_empty());
            prop_assert!(name.as_str().chars().count() <= PersonName::MAX_LEN);
            prop_assert!(!name.as_str().chars().any(char::is_control));
            let again = PersonName::parse(name.as_str()).unwrap();
            prop_assert_eq!(again.as_str(), name.as_str());
        }
    }

    #[test]
    fn passwords_are_accepted_only_within_bounds(text in any_text(), email in any_text()) {
        if NewPassword::parse(&text, &[&email]).is_ok() {
            let count = text.chars().count();
            prop_assert!((NewPassword::MIN_CHARS..=NewPassword::MAX_CHARS).contains(&count));
            prop_assert_ne!(text.to_lowercase(), email.trim().to_lowercase());
        }
    }

    #[test]
    fn bulk_csv_never_panics_and_numbers_its_lines(text in any_text()) {
        if let Ok(rows) = bulk::parse(&text) {
            prop_assert!(!rows.is_empty() && rows.len() <= bulk::MAX_ROWS);
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            prop_assert!(lines.windows(2).all(|w| w[0] < w[1]), "{:?}", lines);
            let last_line = bulk::line_breaks(text.as_bytes()) + 1;
            prop_assert!(lines.iter().all(|l| *l >= 1 && *l <= last_line));
        }
    }

    #[test]
    fn bulk_csv_reads_back_the_rows_it_was_given(
        rows in proptest::collection::vec(("[a-z]{1,8}@[a-z]{1,8}\\.test", "(Trader|Admin)", "[a-z]{0,8}"), 1..40)
    ) {
        let text: String = rows.iter().map(|(e, r, n)| format!("{e},{r},{n}\n")).collect();
        let parsed = bulk::parse(&text).unwrap();
        prop_assert_eq!(parsed.len(), rows.len());
        for (got, (email, role, entity)) in parsed.iter().zip(&rows) {
            prop_assert_eq!(&got.email, email);
            prop_assert_eq!(&got.roles, role);
            prop_assert_eq!(&got.entity, entity);
        }
    }

    #[test]
    fn forged_cursors_never_panic(text in any_text()) {
        if let Some(cursor) = Cursor::decode(&text) {
            prop_assert!(text.len() <= Cursor::MAX_LEN);
            prop_assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
    }

    #[test]
    fn forged_cursors_in_cursor_shape_never_panic(
        name in ".{0,300}", id in "[0-9a-f-]{0,40}", done in "(true|false|1|null)"
    ) {
        let text = format!(
            r#"{{"users":{{"key":{{"Text":{}}},"id":"{id}"}},"users_done":{done}}}"#,
            serde_json::to_string(&name).unwrap()
        );
        if let Some(cursor) = Cursor::decode(&text) {
            prop_assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
    }

    #[test]
    fn cursors_round_trip(name in ".{0,60}", id in any::<u128>(), secs in proptest::option::of(0i64..4_000_000_000), done in any::<bool>()) {
        let cursor = Cursor {
            users: Some(Mark { key: Key::Text(name), id: uuid::Uuid::from_u128(id) }),
            invitations: Some(Mark {
                key: Key::Time(secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0))),
                id: uuid::Uuid::from_u128(id ^ 1),
            }),
            users_done: done,
            invitations_done: !done,
            shown: secs.unwrap_or(0) as u64,
        };
        prop_assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    }
}
