//! Connections: SQLite (default) or PostgreSQL, chosen by the URL.
//!
//! On SQLite, writes go through a pool of exactly one connection, so write transactions queue
//! in the application instead of failing with "database is locked"; reads use their own pool and
//! run beside the writer thanks to WAL. Each write transaction also takes the write lock with its
//! first statement (what `BEGIN IMMEDIATE` does), so another process writing the same file (the
//! command line beside a running server) makes it wait for the busy timeout, never fail.

use super::cache::Caches;
use super::migration::Migrator;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqlxPostgresConnector, SqlxSqliteConnector, Statement, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Db {
    read: DatabaseConnection,
    write: DatabaseConnection,
    backend: DbBackend,
    caches: Arc<Caches>,
}

impl Db {
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Self::connect_postgres(url).await
        } else {
            Err(DbErr::Custom(
                "DATABASE_URL must start with sqlite: or postgres:".to_string(),
            ))
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, DbErr> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbErr::Custom(format!("DATABASE_URL is not a SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536")
            // Pages read straight from the operating system's cache instead of copied in by a
            // system call each: a search that visits thousands of user rows spends its time
            // there (25,000 rows: 165 → 52 ms in the sqlite3 shell). 2 GB is SQLite's own
            // ceiling; pages count towards memory only while they are used.
            .pragma("mmap_size", "2147418112");
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    DbErr::Custom(format!(
                        "cannot create the folder {}: {e}",
                        parent.display()
                    ))
                })?;
            }
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)))?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)))?;
        Ok(Self {
            read: SqlxSqliteConnector::from_sqlx_sqlite_pool(read),
            write: SqlxSqliteConnector::from_sqlx_sqlite_pool(write),
            backend: DbBackend::Sqlite,
            caches: Arc::default(),
        })
    }

    async fn connect_postgres(url: &str) -> Result<Self, DbErr> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| DbErr::Custom(format!("DATABASE_URL is not a PostgreSQL URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)))?;
        let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
        Ok(Self {
            read: conn.clone(),
            write: conn,
            backend: DbBackend::Postgres,
            caches: Arc::default(),
        })
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// For queries that change nothing.
    pub fn read(&self) -> &DatabaseConnection {
        &self.read
    }

    /// For a single-statement write that needs no transaction of its own.
    pub fn writer(&self) -> &DatabaseConnection {
        &self.write
    }

    /// Starts the one transaction of a state change.
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        let txn = self.write.begin().await?;
        if self.backend == DbBackend::Sqlite {
            // A write that changes nothing: SQLite takes the write lock at the start of any
            // writing statement, before a read could pin an older snapshot.
            txn.execute_unprepared("UPDATE roles SET rank = rank WHERE 0")
                .await?;
        }
        Ok(txn)
    }

    /// What this instance remembers between requests (shared by every clone of this `Db`).
    pub fn caches(&self) -> &Caches {
        &self.caches
    }

    /// The cache epoch (migration m0006): read first by every request, so anything remembered
    /// from another epoch is known to be stale before it could be used. Requests that arrive
    /// together share one read that starts after the last of them arrived (`GroupRead`).
    pub async fn epoch(&self) -> Result<i64, DbErr> {
        let read = self.read.clone();
        let backend = self.backend;
        self.caches
            .epoch_reads
            .read(move || read_epoch(read.clone(), backend))
            .await
            .map_err(DbErr::Custom)
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.write, None).await?;
        if self.backend == DbBackend::Postgres {
            // A bulk load drops the name-order index and builds it after its rows
            // (`seed::bulk_users`); had that process died in between, it is built here.
            use super::migration::m0012_name_order_labels::name_order_index;
            self.write.execute_unprepared(&name_order_index()).await?;
        }
        Ok(())
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        self.read.execute_unprepared("SELECT 1").await.is_ok()
    }

    pub async fn close(self) {
        let _ = self.read.close().await;
        if self.backend == DbBackend::Sqlite {
            let _ = self.write.close().await;
        }
    }
}

async fn read_epoch(conn: DatabaseConnection, backend: DbBackend) -> Result<i64, String> {
    let sql = "SELECT n FROM cache_epoch WHERE id = 1";
    let row = conn
        .query_one(Statement::from_string(backend, sql))
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "cache_epoch has no row".to_string())?;
    row.try_get("", "n").map_err(|e| e.to_string())
}
