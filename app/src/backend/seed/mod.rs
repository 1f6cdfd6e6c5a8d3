//! Bootstrapping (`create-admin`) and demo data (`seed-demo`), with a fast bulk path for
//! benchmark-sized directories.

use super::audit::{self, AuditContext, Change};
use super::entity::{entity, invitation, invitation_role, user, user_role};
use super::error::ServiceError;
use super::passwords::hash_unthrottled;
use super::secrets::new_token;
use super::users::{self, active_model, NewUser};
use super::{entities, Db};
use crate::domain::invitation::VALIDITY;
use crate::domain::{Email, PersonName, RoleKey, UserStatus};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::json;
use uuid::Uuid;

mod bulk;
mod events;
pub use bulk::bulk_users;
pub use events::seed_events;

pub const DEMO_PASSWORD: &str = "usher demo password";
pub const DEMO_OPERATOR: &str = "operator@usher.test";
pub const DEMO_ADMIN: &str = "admin@northwind.test";
pub const DEMO_MEMBER: &str = "trader@northwind.test";

pub async fn has_users(db: &Db) -> Result<bool, ServiceError> {
    Ok(user::Entity::find().count(db.read()).await? > 0)
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub users: usize,
    pub invitations: usize,
}

/// The first and last names of the generated users (a bench draws its search terms from them).
pub const FIRST: [&str; 40] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Frances",
    "John",
    "Radia",
    "Leslie",
    "Hedy",
    "Tim",
    "Katherine",
    "Dennis",
    "Sophie",
    "Linus",
    "Anita",
    "Niklaus",
    "Shafi",
    "Whitfield",
    "Jean",
    "Bjarne",
    "Adele",
    "Guido",
    "Mary",
    "Vint",
    "Karen",
    "Tony",
    "Zoë",
    "José",
    "Søren",
    "Chloé",
    "Amara",
    "Yusuf",
    "Mei",
    "Ravi",
    "Ingrid",
    "Kenji",
];
pub const LAST: [&str; 40] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Allen",
    "McCarthy",
    "Perlman",
    "Lamport",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "Ritchie",
    "Wilson",
    "Torvalds",
    "Borg",
    "Wirth",
    "Goldwasser",
    "Diffie",
    "Sammet",
    "Stroustrup",
    "Goldberg",
    "van Rossum",
    "Keller",
    "Cerf",
    "Spärck Jones",
    "Hoare",
    "Okafor",
    "García",
    "Nørgaard",
    "Dubois",
    "Mensah",
    "Haddad",
    "Wang",
    "Iyer",
    "Larsen",
    "Tanaka",
];

/// The status of the i-th generated user: mostly active, with every other status present.
fn demo_status(i: usize) -> UserStatus {
    match i % 12 {
        3 => UserStatus::Inactive,
        7 => UserStatus::Deleted,
        10 => UserStatus::Pending,
        _ => UserStatus::Active,
    }
}

fn demo_role(i: usize) -> RoleKey {
    match i % 10 {
        0 => RoleKey::ADMIN,
        1 | 4 | 7 => RoleKey::MARKET_MAKER,
        2 | 5 => RoleKey::CREDIT_OFFICER,
        _ => RoleKey::TRADER,
    }
}

/// Fills an empty database with the demo entities, named sign-ins, `generated` more users in
/// every status, and invitations in every state.
pub async fn seed_demo(
    db: &Db,
    generated: usize,
    now: DateTime<Utc>,
) -> Result<SeedReport, ServiceError> {
    let ctx = AuditContext::system("seed-demo");
    let hash = hash_unthrottled(DEMO_PASSWORD.to_string()).await;
    let txn = db.begin().await?;
    let operators = entities::operator_entity(&txn, &ctx, now).await?;
    let northwind =
        entities::create(&txn, "Northwind Trading", "northwind", false, &ctx, now).await?;
    let contoso = entities::create(&txn, "Contoso Markets", "contoso", false, &ctx, now).await?;
    let named = [
        (
            &operators,
            "Olivia Operator",
            DEMO_OPERATOR,
            RoleKey::OPERATOR,
        ),
        (&northwind, "Nadia Admin", DEMO_ADMIN, RoleKey::ADMIN),
        (&northwind, "Theo Trader", DEMO_MEMBER, RoleKey::TRADER),
        (
            &contoso,
            "Carla Admin",
            "admin@contoso.test",
            RoleKey::ADMIN,
        ),
    ];
    let mut named_ids = Vec::new();
    for (entity, name, email, role) in named {
        let new = NewUser {
            entity_id: entity.id,
            name: PersonName::parse(name).expect("demo name"),
            email: Email::parse(email).expect("demo email"),
            contact_email: None,
            roles: vec![role],
            status: UserStatus::Active,
            password_hash: Some(hash.clone()),
            must_change_password: false,
        };
        named_ids.push(users::insert(&txn, new, &ctx, now).await?.0.id);
    }
    let invitations = seed_invitations(
        &txn,
        &[(&northwind, named_ids[1]), (&contoso, named_ids[3])],
        named_ids[2],
        now,
    )
    .await?;
    txn.commit().await?;

    bulk_users(db, &[northwind.id, contoso.id], generated, &hash, now).await?;
    // Anyone the search index could not yet place in name order, placed now (SQLite, m0011).
    super::directory::name_order::tidy(db).await?;
    let txn = db.begin().await?;
    let change = Change {
        action: "demo.seeded",
        entity_id: None,
        target_kind: "system",
        target_id: None,
        target_label: "demo data".into(),
        before: None,
        after: Some(json!({ "users": generated + named_ids.len(), "invitations": invitations })),
    };
    audit::record(&txn, &ctx, change, now).await?;
    txn.commit().await?;
    if generated >= SETTLE_AFTER {
        settle(db).await?;
    }
    Ok(SeedReport {
        users: generated + named_ids.len(),
        invitations,
    })
}

/// A load this large leaves work the database would otherwise do while people search.
const SETTLE_AFTER: usize = 10_000;

/// After a bulk load, what the database would get to later, done now so the first searches
/// after `seed-demo` are as fast as later ones: SQLite folds the write-ahead log back into the
/// file (readers otherwise look through it for every page; no statistics are gathered, the
/// plans are chosen without them); PostgreSQL builds the visibility map (index-only scans need it) and its statistics, as
/// autovacuum would some minutes later.
pub async fn settle(db: &Db) -> Result<(), ServiceError> {
    use sea_orm::ConnectionTrait;
    let statements: &[&str] = match db.backend() {
        sea_orm::DbBackend::Postgres => &["VACUUM ANALYZE"],
        _ => &["PRAGMA wal_checkpoint(TRUNCATE)"],
    };
    for statement in statements {
        db.writer().execute_unprepared(statement).await?;
    }
    Ok(())
}

async fn seed_invitations<C: sea_orm::ConnectionTrait>(
    conn: &C,
    // Each entity with its admin, who sent its invitations.
    entities: &[(&entity::Model, Uuid)],
    accepted_user: Uuid,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    // (local part, stored status, sent this long ago, accepted user)
    let plan: [(&str, &str, TimeDelta, Option<Uuid>); 8] = [
        ("new.hire", "pending", TimeDelta::hours(2), None),
        ("analyst", "pending", TimeDelta::days(3), None),
        ("late.joiner", "pending", TimeDelta::days(9), None),
        ("former.contractor", "pending", TimeDelta::days(30), None),
        ("wrong.address", "revoked", TimeDelta::days(1), None),
        ("changed.mind", "revoked", TimeDelta::days(12), None),
        (
            "trader",
            "accepted",
            TimeDelta::days(20),
            Some(accepted_user),
        ),
        ("desk.lead", "pending", TimeDelta::minutes(5), None),
    ];
    let mut count = 0;
    for (entity, inviter) in entities {
        for (i, (local, status, ago, accepted)) in plan.iter().enumerate() {
            if accepted.is_some() && entity.slug != "northwind" {
                continue;
            }
            let email = format!("{local}@{}.test", entity.slug);
            let sent = now - *ago;
            let id = Uuid::now_v7();
            invitation::Entity::insert(invitation::ActiveModel {
                id: Set(id),
                entity_id: Set(entity.id),
                email_normalized: Set(email.clone()),
                email: Set(email),
                status: Set(status.to_string()),
                token_hash: Set(new_token().1),
                expires_at: Set(sent + VALIDITY),
                sent_count: Set(1 + (i as i32 % 3)),
                last_sent_at: Set(sent),
                invited_by: Set(Some(*inviter)),
                accepted_user_id: Set(*accepted),
                created_at: Set(sent - TimeDelta::days(i as i64 % 3)),
                updated_at: Set(sent),
                version: Set(1),
            })
            .exec_without_returning(conn)
            .await?;
            invitation_role::Entity::insert(invitation_role::ActiveModel {
                invitation_id: Set(id),
                role_key: Set(demo_role(i + 3).as_str().to_string()),
            })
            .exec_without_returning(conn)
            .await?;
            count += 1;
        }
    }
    Ok(count)
}
