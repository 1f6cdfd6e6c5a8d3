use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub entity_id: Uuid,
    pub name: String,
    /// Lower-cased name: the key for sorting and prefix search.
    pub sort_name: String,
    pub email: String,
    #[sea_orm(unique)]
    pub email_normalized: String,
    pub contact_email: Option<String>,
    pub status: String,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<Uuid>,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<Uuid>,
    /// Set when the user was permanently deleted; the row stays as a tombstone.
    pub purged_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
