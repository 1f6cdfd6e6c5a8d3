//! Signed-in admins reaching past their rank or their entity.

use super::*;
use app::backend::entity::invitation;
use app::backend::seed::{DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use support::{post, Body};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_mail_goes_to_the_account_email_only() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    add_admin(&server, SECOND_ADMIN, "northwind").await;
    let admin = server.token(DEMO_ADMIN).await;
    let peer = user_row(&server, DEMO_MEMBER).await;
    // An admin points the member's contact email at an outside address…
    let answer = post(
        addr,
        "update_user",
        Some(&admin),
        Body::Json(json!({ "form": {
            "id": peer.id, "version": peer.version, "name": peer.name, "email": peer.email,
            "contact_email": "mallory@outside.test", "same_as_account": false,
            "roles": ["Trader"], "confirm_email_change": false
        } })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // …the address it replaced is told…
    let notice = last_mail_to(&server, DEMO_MEMBER).await.expect("a notice");
    assert!(
        notice.subject.contains("contact email"),
        "{}",
        notice.subject
    );
    assert!(notice.body_text.contains("mallory@outside.test"));
    // …and Forgot password still mails the account email, never the contact address.
    let answer = post(
        addr,
        "forgot_password",
        None,
        form(&[("email", DEMO_MEMBER.into())]),
    )
    .await;
    assert_eq!(answer.status, 200);
    let mut reset = None;
    for _ in 0..100 {
        reset = last_mail_to(&server, DEMO_MEMBER)
            .await
            .filter(|m| m.body_text.contains("reset-password#token="));
        if reset.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(reset.is_some(), "the reset link went to the account email");
    // An admin's Reset password too.
    let peer = user_row(&server, DEMO_MEMBER).await;
    let answer = post(
        addr,
        "reset_user_password",
        Some(&admin),
        form(&[
            ("id", peer.id.to_string()),
            ("version", peer.version.to_string()),
        ]),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let outside = outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::ToAddress.eq("mallory@outside.test"))
        .all(server.db.read())
        .await
        .unwrap();
    assert!(
        outside.is_empty(),
        "no mail at all went to the outside address"
    );
    server.stop().await;
}

/// What an acting admin gets for a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    /// Same entity, more access than the actor could grant: 403 "Outranked".
    Outranked,
    /// Another entity's: 404, as if it did not exist.
    Hidden,
}

/// The rank rows of the authorisation matrix: every server function that acts on a user ×
/// operator / operator-entity Admin / entity admin × target of every rank, own and other entity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_acts_on_more_access_than_they_could_grant() {
    use Expect::*;
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    add_admin(&server, OPS_ADMIN, "operators").await;
    add_admin(&server, "other.ops.admin@usher.test", "operators").await;
    add_admin(&server, SECOND_ADMIN, "northwind").await;
    bootstrap::create_admin(
        &server.db,
        "second.operator@usher.test",
        "Second Operator",
        None,
        Some(app::backend::seed::DEMO_PASSWORD.into()),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let operator = server.token(DEMO_OPERATOR).await;
    let ops_admin = server.token(OPS_ADMIN).await;
    let admin = server.token(DEMO_ADMIN).await;
    // Targets (none of them the actor): an operator, an Admin of the operator entity, a
    // Northwind Admin, a member.
    let targets = [
        "second.operator@usher.test",
        "other.ops.admin@usher.test",
        SECOND_ADMIN,
        DEMO_MEMBER,
    ];
    let table = [
        (&operator, "operator", [Allowed, Allowed, Allowed, Allowed]),
        (
            &ops_admin,
            "operator-entity Admin",
            [Outranked, Outranked, Hidden, Hidden],
        ),
        (
            &admin,
            "Northwind Admin",
            [Hidden, Hidden, Outranked, Allowed],
        ),
    ];
    let mut wrong = Vec::new();
    for (who, label, row) in table {
        for (target, want) in targets.into_iter().zip(row) {
            // Each call is harmless when allowed: a stale version or status, or ending sessions.
            let u = user_row(&server, target).await;
            let id = u.id.to_string();
            let stale = (u.version + 100).to_string();
            let calls = [
                (
                    "change_user_status",
                    form(&[
                        ("id", id.clone()),
                        ("action", "deactivate".into()),
                        // A status the user is not in: refused as stale once authorised.
                        ("seen", "deleted".into()),
                    ]),
                ),
                (
                    "reset_user_password",
                    form(&[("id", id.clone()), ("version", stale.clone())]),
                ),
                ("end_user_sessions", form(&[("user", id.clone())])),
                (
                    "update_user",
                    Body::Json(json!({ "form": {
                        "id": u.id, "version": u.version + 100, "name": "Renamed", "email": u.email,
                        "contact_email": "", "same_as_account": true, "roles": ["Trader"],
                        "confirm_email_change": false
                    } })),
                ),
                (
                    "bulk_change_status",
                    Body::Json(
                        json!({ "action": "deactivate", "users": [{ "id": u.id, "status": "deleted" }] }),
                    ),
                ),
                ("get_user", form(&[("id", id.clone())])),
            ];
            for (name, body) in calls {
                let answer = post(addr, name, Some(who), body).await;
                let got = match (name, answer.status) {
                    // Bulk answers 200 and says per row why one was not changed.
                    ("bulk_change_status", 200)
                        if answer.body.contains("more access than you can grant") =>
                    {
                        Outranked
                    }
                    ("bulk_change_status", 200)
                        if answer.body.contains("We could not find that") =>
                    {
                        Hidden
                    }
                    ("bulk_change_status", 200) => Allowed,
                    (_, 403) if answer.body.contains("Outranked") => Outranked,
                    (_, 404) => Hidden,
                    (_, status) if status < 500 && status != 403 && status != 401 => Allowed,
                    _ => {
                        wrong.push(format!(
                            "{name}: {label} on {target}: {} {}",
                            answer.status, answer.body
                        ));
                        continue;
                    }
                };
                // Reading is allowed whatever the rank; the page then offers no change.
                let want = if name == "get_user" && want == Outranked {
                    Allowed
                } else {
                    want
                };
                if got != want {
                    wrong.push(format!(
                        "{name}: {label} on {target}: want {want:?}, got {got:?} ({} {})",
                        answer.status,
                        answer.body.chars().take(120).collect::<String>()
                    ));
                }
                if name == "get_user" && got == Allowed {
                    let can_edit = json_of(&answer)["row"]["can_edit"].as_bool();
                    // The page offers Edit exactly when the server would allow the change.
                    let change_allowed =
                        row[targets.iter().position(|t| *t == target).unwrap()] == Allowed;
                    if can_edit != Some(change_allowed) {
                        wrong.push(format!(
                            "get_user: {label} on {target}: can_edit {can_edit:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_rechecks_every_role_the_invitation_carries() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let operator = server.token(DEMO_OPERATOR).await;
    let admin = server.token(DEMO_ADMIN).await;
    let northwind = user_row(&server, DEMO_ADMIN).await.entity_id;
    let answer = post(
        addr,
        "invite_user",
        Some(&operator),
        Body::Json(json!({ "email": "future.admin@northwind.test", "entity": northwind, "roles": ["Admin"] })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let id = json_of(&answer)["Invited"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = post(
        addr,
        "revoke_invitation",
        Some(&operator),
        form(&[("id", id.clone())]),
    )
    .await;
    assert_eq!(answer.status, 200);
    // The entity admin may not grant Admin, so may not bring that invitation back to life.
    let answer = post(
        addr,
        "resend_invitation",
        Some(&admin),
        form(&[("id", id.clone())]),
    )
    .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert!(answer.body.contains("carries the Admin role"));
    // Nor through a bulk invite that meets it (pending again after the operator's resend).
    let answer = post(
        addr,
        "resend_invitation",
        Some(&operator),
        form(&[("id", id.clone())]),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = post(
        addr,
        "run_bulk_invite",
        Some(&admin),
        Body::Json(json!({ "rows": [{
            "line": 1, "email": "future.admin@northwind.test", "roles": "Trader", "entity": "",
            "outcome": "", "message": ""
        }] })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("carries the Admin role"),
        "{}",
        answer.body
    );
    let inv = invitation::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(server.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inv.sent_count, 2, "only the operator's resend went out");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_entitys_users_do_not_exist_to_an_entity_admin() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let admin = server.token(DEMO_ADMIN).await;
    let operator = server.token(DEMO_OPERATOR).await;
    // Contoso's admin, invited by Northwind's: answered as for a fresh address.
    let answer = post(
        addr,
        "check_bulk_invite",
        Some(&admin),
        Body::Json(
            json!({ "csv": format!("{CONTOSO_ADMIN},Trader\nfresh.person@example.test,Trader") }),
        ),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let outcomes: Vec<String> = json_of(&answer)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        outcomes,
        ["invite", "invite"],
        "the preview tells the two apart in nothing"
    );
    let answer = post(
        addr,
        "invite_user",
        Some(&admin),
        Body::Json(json!({ "email": CONTOSO_ADMIN, "entity": "", "roles": ["Trader"] })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(json_of(&answer)["Invited"].is_object());
    // A user of the admin's own entity is named as such.
    let answer = post(
        addr,
        "invite_user",
        Some(&admin),
        Body::Json(json!({ "email": DEMO_MEMBER, "entity": "", "roles": ["Trader"] })),
    )
    .await;
    assert_eq!(answer.status, 422);
    assert!(answer.body.contains("already belongs to a user"));
    // The person who opens the link is told, and so is an operator on the Invitations page.
    let mail = last_mail_to(&server, CONTOSO_ADMIN).await.unwrap();
    let token = token_in(&mail.body_text);
    let link = post(
        addr,
        "invitation_link",
        None,
        Body::Json(json!({ "token": token })),
    )
    .await;
    assert!(
        link.body.contains("already has an Usher account"),
        "{}",
        link.body
    );
    let listed = post(
        addr,
        "list_invitations",
        Some(&operator),
        listing(CONTOSO_ADMIN),
    )
    .await;
    assert!(
        listed.body.contains("Has an account in Contoso Markets"),
        "{}",
        listed.body
    );
    let listed = post(
        addr,
        "list_invitations",
        Some(&admin),
        listing(CONTOSO_ADMIN),
    )
    .await;
    assert!(!listed.body.contains("Has an account"), "{}", listed.body);
    server.stop().await;
}
