//! What a page of rows shows beside each: entity names and roles.

use super::*;

/// Entity names and roles for a page of rows, in three queries run together.
pub(super) async fn details<C: ConnectionTrait>(
    conn: &C,
    items: Vec<Item>,
) -> Result<Vec<Row>, DbErr> {
    let mut user_ids = Vec::new();
    let mut invitation_ids = Vec::new();
    let mut entity_ids = Vec::new();
    for item in &items {
        match item {
            Item::User(u) => {
                user_ids.push(u.id);
                entity_ids.push(u.entity_id);
            }
            Item::Invitation(i) => {
                invitation_ids.push(i.id);
                entity_ids.push(i.entity_id);
            }
        }
    }
    entity_ids.sort();
    entity_ids.dedup();
    // Three independent reads, asked at once.
    let entities = async {
        if entity_ids.is_empty() {
            return Ok(Vec::new());
        }
        entity::Entity::find()
            .filter(entity::Column::Id.is_in(entity_ids))
            .all(conn)
            .await
    };
    let user_roles = async {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        user_role::Entity::find()
            .filter(user_role::Column::UserId.is_in(user_ids))
            .all(conn)
            .await
    };
    let invitation_roles = async {
        if invitation_ids.is_empty() {
            return Ok(Vec::new());
        }
        invitation_role::Entity::find()
            .filter(invitation_role::Column::InvitationId.is_in(invitation_ids))
            .all(conn)
            .await
    };
    let (entities, user_roles, invitation_roles) =
        tokio::try_join!(entities, user_roles, invitation_roles)?;
    let entities: HashMap<Uuid, String> = entities.into_iter().map(|e| (e.id, e.name)).collect();
    let mut roles: HashMap<Uuid, Vec<RoleKey>> = HashMap::new();
    let granted = user_roles
        .into_iter()
        .map(|r| (r.user_id, r.role_key))
        .chain(
            invitation_roles
                .into_iter()
                .map(|r| (r.invitation_id, r.role_key)),
        );
    for (id, key) in granted {
        roles.entry(id).or_default().push(RoleKey::new(key));
    }
    Ok(items
        .into_iter()
        .map(|item| {
            let (id, entity_id) = match &item {
                Item::User(u) => (u.id, u.entity_id),
                Item::Invitation(i) => (i.id, i.entity_id),
            };
            let mut roles = roles.remove(&id).unwrap_or_default();
            roles.sort();
            Row {
                entity_name: entities.get(&entity_id).cloned().unwrap_or_default(),
                roles,
                item,
            }
        })
        .collect())
}

/// An entity's name, for a row changed outside a listing.
pub async fn entity_name<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<String, DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default())
}

/// The name a directory row shows: the user's, or for an invitation the part of the email
/// before the @ (the person has not told us their name yet).
pub fn display_name(row: &Row) -> String {
    match &row.item {
        Item::User(u) => u.name.clone(),
        Item::Invitation(i) => i.email.split('@').next().unwrap_or_default().to_string(),
    }
}
