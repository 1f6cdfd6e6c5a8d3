//! Generated audit events for an audit log of benchmark size (`seed-demo --events N`): spread
//! over the last year in time order, by and about a few thousand of the demo users, in the mix
//! an installation sees (sign-ins most, entity changes rarely).

use super::*;
use crate::backend::entity::audit_event;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::QuerySelect;
use std::collections::HashMap;

/// How often each action happens, out of 1,000.
const MIX: [(&str, u32); 14] = [
    ("user.signed_in", 620),
    ("user.signed_out", 120),
    ("user.updated", 60),
    ("invitation.created", 60),
    ("invitation.accepted", 40),
    ("user.password_changed", 30),
    ("user.created", 20),
    ("invitation.resent", 15),
    ("user.deactivated", 12),
    ("user.reactivated", 8),
    ("invitation.revoked", 8),
    ("user.deleted", 4),
    ("user.restored", 2),
    ("entity.renamed", 1),
];

/// People events are by and about, at most.
const PEOPLE: u64 = 5_000;

/// Writes `count` generated events, a multi-row statement per 1,000 and a transaction per 50,000.
pub async fn seed_events(db: &Db, count: usize, now: DateTime<Utc>) -> Result<(), ServiceError> {
    const ROWS_PER_STATEMENT: usize = 1000;
    const ROWS_PER_TRANSACTION: usize = 50_000;
    let people: Vec<(Uuid, Uuid, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::EntityId)
        .column(user::Column::Email)
        .limit(PEOPLE)
        .into_tuple()
        .all(db.read())
        .await?;
    if people.is_empty() {
        return Err(ServiceError::Internal("seed users before events".into()));
    }
    // Events of an entity are by and about its own people.
    let mut by_entity: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (i, (_, entity, _)) in people.iter().enumerate() {
        by_entity.entry(*entity).or_default().push(i);
    }
    let mut rng = StdRng::seed_from_u64(count as u64);
    let year = TimeDelta::days(365).num_milliseconds();
    let start = now - TimeDelta::days(365);
    let mut i = 0;
    while i < count {
        let txn = db.begin().await?;
        let end = (i + ROWS_PER_TRANSACTION).min(count);
        while i < end {
            let stop = (i + ROWS_PER_STATEMENT).min(end);
            let rows: Vec<audit_event::ActiveModel> = (i..stop)
                .map(|n| {
                    let at = start + TimeDelta::milliseconds(year * n as i64 / count as i64);
                    generated_event(&mut rng, &people, &by_entity, at)
                })
                .collect();
            audit_event::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
            i = stop;
        }
        txn.commit().await?;
    }
    Ok(())
}

fn generated_event(
    rng: &mut StdRng,
    people: &[(Uuid, Uuid, String)],
    by_entity: &HashMap<Uuid, Vec<usize>>,
    at: DateTime<Utc>,
) -> audit_event::ActiveModel {
    let mut pick = rng.random_range(0..1000);
    let action = MIX
        .iter()
        .find(|(_, weight)| {
            let found = pick < *weight;
            pick = pick.saturating_sub(*weight);
            found
        })
        .map_or("user.signed_in", |(action, _)| *action);
    let (actor, entity, actor_email) = &people[rng.random_range(0..people.len())];
    let own = matches!(
        action,
        "user.signed_in" | "user.signed_out" | "user.password_changed"
    );
    let (target, target_email) = if own {
        (*actor, actor_email.clone())
    } else {
        let colleagues = &by_entity[entity];
        let (id, _, email) = &people[colleagues[rng.random_range(0..colleagues.len())]];
        (*id, email.clone())
    };
    let changed = matches!(action, "user.deactivated" | "user.reactivated");
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(at),
        actor_kind: Set("user".into()),
        actor_id: Set(Some(*actor)),
        actor_label: Set(actor_email.clone()),
        entity_id: Set(Some(*entity)),
        action: Set(action.into()),
        target_kind: Set("user".into()),
        target_id: Set(Some(target)),
        target_label: Set(target_email),
        before: Set(changed.then(|| r#"{"status":"active"}"#.into())),
        after: Set(changed.then(|| r#"{"status":"inactive"}"#.into())),
        ip: Set(Some(format!(
            "10.0.{}.{}",
            rng.random_range(0..256),
            rng.random_range(1..255)
        ))),
        request_id: Set(Some(format!("{:012x}", rng.random::<u64>() >> 16))),
    }
}
