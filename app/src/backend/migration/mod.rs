//! Schema migrations; the same steps run unchanged on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

mod m0001_schema;
mod m0002_seed_roles;
mod m0003_directory_search;
mod m0004_user_counts;
mod m0005_prefix_indexes;
mod m0006_cache_epoch;
mod m0007_covering_indexes;
mod m0008_search_sample;
mod m0009_joined_name_trigrams;
mod m0010_byte_order_text;
pub(crate) mod m0011_name_order_rowids;
pub(crate) mod m0012_name_order_labels;
mod m0013_entity_suspension;
mod m0014_audit_filters;
mod m0015_role_details;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_schema::Migration),
            Box::new(m0002_seed_roles::Migration),
            Box::new(m0003_directory_search::Migration),
            Box::new(m0004_user_counts::Migration),
            Box::new(m0005_prefix_indexes::Migration),
            Box::new(m0006_cache_epoch::Migration),
            Box::new(m0007_covering_indexes::MIGRATION),
            Box::new(m0008_search_sample::MIGRATION),
            Box::new(m0009_joined_name_trigrams::MIGRATION),
            Box::new(m0010_byte_order_text::MIGRATION),
            Box::new(m0011_name_order_rowids::Migration),
            Box::new(m0012_name_order_labels::Migration),
            Box::new(m0013_entity_suspension::Migration),
            Box::new(m0014_audit_filters::Migration),
            Box::new(m0015_role_details::Migration),
        ]
    }
}

/// A migration of raw statements that runs on PostgreSQL only (indexes SQLite does without).
struct PostgresOnly {
    name: &'static str,
    up: &'static [&'static str],
    down: &'static [&'static str],
}

impl MigrationName for PostgresOnly {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for PostgresOnly {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        self.run(m, self.up).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        self.run(m, self.down).await
    }
}

impl PostgresOnly {
    async fn run(&self, m: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => run(m, statements).await,
            _ => Ok(()),
        }
    }
}

/// Runs raw statements in order (triggers, virtual tables and other backend-specific DDL).
async fn run(m: &SchemaManager<'_>, statements: &[impl AsRef<str>]) -> Result<(), DbErr> {
    let conn = m.get_connection();
    for sql in statements {
        conn.execute_unprepared(sql.as_ref()).await?;
    }
    Ok(())
}
