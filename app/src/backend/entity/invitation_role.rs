use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitation_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub invitation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub role_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
