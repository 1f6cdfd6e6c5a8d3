use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    /// A UUIDv7, so ids sort by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// `user`, `api_token` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub entity_id: Option<Uuid>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    pub target_label: String,
    /// JSON of the changed fields before and after.
    pub before: Option<String>,
    pub after: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
