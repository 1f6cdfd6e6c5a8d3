//! What the authorisation matrix aims at: ids in one entity, and the request that calls each
//! server function on them.

use super::support::Body;
use app::backend::entity::{invitation, outgoing_mail, user};
use app::backend::mail::{self, Mail};
use app::backend::seed::{DEMO_MEMBER, DEMO_PASSWORD};
use app::backend::Db;
use app::domain::RoleKey;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

/// Ids in one entity that the calls aim at.
#[derive(Clone, Debug)]
pub struct Target {
    pub entity: Uuid,
    pub slug: &'static str,
    /// A user who is nobody signed in for this test.
    pub user: Uuid,
    pub user_email: String,
    /// An accepted invitation: Revoke, Resend and Delete all refuse it after authorising.
    pub accepted_invitation: Uuid,
    pub mail: Uuid,
    pub operator_entity: Uuid,
}

/// The request for `name` aimed at `t`. Each is either harmless or refused by the lifecycle
/// after authorisation (a stale version, an accepted invitation), so one test can call them all.
pub fn call(name: &str, t: &Target) -> Body {
    use Body::*;
    let stale = 0;
    match name {
        "sign_in" => Form(format!("email={}&password={}", DEMO_MEMBER.replace('@', "%40"), DEMO_PASSWORD.replace(' ', "+"))),
        "sign_out" | "current_user" | "my_sessions" | "invite_options" | "directory_options"
        | "user_form_options" | "mailbox" => Form(String::new()),
        "change_password" => Form("current_password=wrong&new_password=x&confirm_password=x".into()),
        "end_my_session" => Form(format!("id={}", Uuid::now_v7())),
        "list_invitations" => Json(json!({ "query": { "status": "", "entity": t.entity, "q": "", "sort": "", "after": "" } })),
        "invite_user" => Json(json!({ "email": "", "entity": t.entity, "roles": [] })),
        "revoke_invitation" | "resend_invitation" | "delete_invitation" => {
            Form(format!("id={}", t.accepted_invitation))
        }
        "check_bulk_invite" => Json(json!({ "csv": format!("{},Trader,{}", t.user_email, t.slug) })),
        "run_bulk_invite" => Json(json!({ "rows": [{
            "line": 1, "email": t.user_email, "roles": "Trader", "entity": t.slug,
            "outcome": "", "message": ""
        }] })),
        "invitation_link" | "password_link" => Json(json!({ "token": "not-a-token" })),
        "accept_invitation" => Json(json!({
            "token": "not-a-token", "name": "X", "password": "x", "confirm_password": "x"
        })),
        "reset_password" => Json(json!({ "token": "not-a-token", "password": "x", "confirm_password": "x" })),
        "forgot_password" => Form("email=nobody%40example.test".into()),
        "mail_message" => Form(format!("id={}", t.mail)),
        "list_directory" => Json(json!({ "query": { "status": "", "entity": t.entity, "q": "", "sort": "", "after": "" } })),
        "get_user" => Form(format!("id={}", t.user)),
        // A status the user is not in: refused as stale once authorised, so nothing changes.
        "change_user_status" => Form(format!("id={}&action=deactivate&seen=deleted", t.user)),
        "end_user_sessions" => Form(format!("user={}", t.user)),
        "create_user" => Json(json!({ "form": {
            "name": "", "email": "", "contact_email": "", "same_as_account": true,
            "entity": t.entity, "roles": [], "access": "email"
        } })),
        "update_user" => Json(json!({ "form": {
            "id": t.user, "version": stale, "name": "X", "email": t.user_email, "contact_email": "",
            "same_as_account": true, "roles": ["Trader"], "confirm_email_change": false
        } })),
        "reset_user_password" => Form(format!("id={}&version={stale}", t.user)),
        "purge_user" => Json(json!({ "id": t.user, "typed_email": "" })),
        "list_entities" | "audit_options" | "list_roles" => Form(String::new()),
        // A nameless role: refused by its checks once authorised.
        "create_role" => Json(json!({ "role": { "name": "", "description": "", "permissions": [],
            "trading": "", "credit": "", "admin": "", "excel_add_in": "" } })),
        // Operator is fixed and Trader built in: refused by their state once authorised.
        "update_role" => Json(json!({ "key": "operator", "role": { "name": "Operator",
            "description": "", "permissions": [], "trading": "", "credit": "", "admin": "",
            "excel_add_in": "" } })),
        "delete_role" => Json(json!({ "key": "trader" })),
        "list_audit" => Json(json!({ "query": {
            "actor": "", "action": "", "target": "", "entity": t.entity, "from": "", "to": "", "after": ""
        } })),
        "create_entity" => Json(json!({ "name": "", "slug": "" })),
        "get_entity" => Json(json!({ "id": t.entity })),
        "rename_entity" => Json(json!({ "id": t.entity, "name": "" })),
        // Not suspended: refused by its state once authorised.
        "resume_entity" => Json(json!({ "id": t.entity })),
        // The operator entity cannot be suspended: refused once authorised, so nothing ends.
        "suspend_entity" => Json(json!({ "id": t.operator_entity })),
        "bulk_change_status" => Json(json!({
            "action": "deactivate", "users": [{ "id": t.user, "status": "deleted" }]
        })),
        other => panic!(
            "The server function `{other}` is not in the authorisation matrix: add it to `call` and `RULES` in server/tests/authorization.rs with who may call it."
        ),
    }
}

pub async fn target(db: &Db, slug: &'static str) -> Target {
    let entity = app::backend::entities::find_by_slug(db.read(), slug)
        .await
        .unwrap()
        .unwrap();
    // A member: rank (who may act on an Admin) is pinned in attacks.rs, scope here.
    let candidates = user::Entity::find()
        .filter(user::Column::EntityId.eq(entity.id))
        .filter(user::Column::Status.eq("active"))
        .filter(user::Column::Email.contains("example.test"))
        .order_by_asc(user::Column::SortName)
        .all(db.read())
        .await
        .unwrap();
    let mut user = None;
    for candidate in candidates {
        let held = app::backend::roles::roles_of(db.read(), candidate.id)
            .await
            .unwrap();
        if held
            .iter()
            .all(|r| *r != RoleKey::ADMIN && *r != RoleKey::OPERATOR)
        {
            user = Some(candidate);
            break;
        }
    }
    let user = user.expect("a member in the demo entity");
    // An accepted invitation in this entity.
    let invitation = invitation::Entity::find()
        .filter(invitation::Column::EntityId.eq(entity.id))
        .filter(invitation::Column::Status.eq("revoked"))
        .one(db.read())
        .await
        .unwrap()
        .unwrap();
    invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value("accepted"))
        .filter(invitation::Column::Id.eq(invitation.id))
        .exec(db.writer())
        .await
        .unwrap();
    let txn = db.begin().await.unwrap();
    let mail = Mail {
        to: user.email.clone(),
        subject: format!("A message for {slug}"),
        html: "<p>hello</p>".into(),
        text: "hello".into(),
    };
    mail::enqueue(&txn, vec![mail], chrono::Utc::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let mail = outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::Subject.eq(format!("A message for {slug}")))
        .one(db.read())
        .await
        .unwrap()
        .unwrap();
    let operator_entity = app::backend::entities::find_by_slug(db.read(), "operators")
        .await
        .unwrap()
        .unwrap()
        .id;
    Target {
        operator_entity,
        entity: entity.id,
        slug,
        user: user.id,
        user_email: user.email,
        accepted_invitation: invitation.id,
        mail: mail.id,
    }
}
