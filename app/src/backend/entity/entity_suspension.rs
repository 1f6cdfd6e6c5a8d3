use sea_orm::entity::prelude::*;

/// An entity is suspended while its row exists here.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entity_suspensions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity_id: Uuid,
    pub suspended_at: DateTimeUtc,
    /// Who suspended it, as the audit log names them.
    pub suspended_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
