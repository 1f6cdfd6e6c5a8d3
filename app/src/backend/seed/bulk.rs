//! The bulk path of the demo seed: generated users in multi-row statements, for directories of
//! benchmark size.

use super::*;
use crate::domain::UserStatus;

/// Inserts `count` generated users in multi-row statements, a transaction per chunk.
pub async fn bulk_users(
    db: &Db,
    entity_ids: &[Uuid],
    count: usize,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    const ROWS_PER_STATEMENT: usize = 1000;
    const ROWS_PER_TRANSACTION: usize = 50_000;
    use crate::backend::migration::m0012_name_order_labels::{name_order_index, NAME_ORDER_INDEX};
    use sea_orm::ConnectionTrait;
    // PostgreSQL's name-order index is built whole after a large load rather than grown row by
    // row: a tree grown from empty by a million inserts in no order skips far fewer subtrees
    // (see m0012), and building it is faster than growing it.
    let rebuild = db.backend() == sea_orm::DbBackend::Postgres && count >= SETTLE_AFTER;
    if rebuild {
        db.writer()
            .execute_unprepared(&format!("DROP INDEX IF EXISTS {NAME_ORDER_INDEX}"))
            .await?;
    }
    let loaded = async {
        let mut i = 0;
        while i < count {
            let txn = db.begin().await?;
            let end = (i + ROWS_PER_TRANSACTION).min(count);
            while i < end {
                let stop = (i + ROWS_PER_STATEMENT).min(end);
                let mut users = Vec::with_capacity(stop - i);
                let mut roles = Vec::with_capacity(stop - i);
                for n in i..stop {
                    let model = generated_user(entity_ids, n, password_hash, now);
                    roles.push(user_role::ActiveModel {
                        user_id: Set(model.id),
                        role_key: Set(demo_role(n).as_str().to_string()),
                    });
                    users.push(active_model(model));
                }
                user::Entity::insert_many(users)
                    .exec_without_returning(&txn)
                    .await?;
                user_role::Entity::insert_many(roles)
                    .exec_without_returning(&txn)
                    .await?;
                i = stop;
            }
            txn.commit().await?;
        }
        Ok::<_, ServiceError>(())
    }
    .await;
    // Built again whether or not the load went through: a search without it reads every match.
    // (Should this process die first, `Db::migrate` builds it at the next start.)
    let rebuilt = match rebuild {
        true => db
            .writer()
            .execute_unprepared(&name_order_index())
            .await
            .map(drop),
        false => Ok(()),
    };
    // The load's own error first: it is why the rebuild would have failed too.
    loaded?;
    rebuilt?;
    Ok(())
}

fn generated_user(
    entity_ids: &[Uuid],
    n: usize,
    password_hash: &str,
    now: DateTime<Utc>,
) -> user::Model {
    let first = FIRST[n % FIRST.len()];
    let last = LAST[(n / FIRST.len()) % LAST.len()];
    let name = format!("{first} {last}");
    let email = format!(
        "{}.{}.{n}@example.test",
        first.to_lowercase(),
        last.to_lowercase().replace(' ', "-")
    );
    let status = demo_status(n);
    let created = now - TimeDelta::minutes((n as i64 * 37) % 500_000);
    user::Model {
        id: Uuid::now_v7(),
        entity_id: entity_ids[n % entity_ids.len()],
        sort_name: name.to_lowercase(),
        name,
        email_normalized: email.clone(),
        email,
        contact_email: None,
        status: status.as_str().to_string(),
        password_hash: (status != UserStatus::Pending).then(|| password_hash.to_string()),
        must_change_password: false,
        last_login_at: (status == UserStatus::Active && !n.is_multiple_of(3))
            .then(|| now - TimeDelta::minutes((n as i64 * 13) % 40_000)),
        created_at: created,
        created_by: None,
        updated_at: created,
        updated_by: None,
        deleted_at: (status == UserStatus::Deleted).then_some(now),
        deleted_by: None,
        purged_at: None,
        version: 1,
    }
}
