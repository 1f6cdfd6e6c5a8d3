//! Each test gets a database of its own: a fresh SQLite file, or a fresh PostgreSQL database
//! (dropped afterwards) when a server answers. `USHER_REQUIRE_PG=1` turns a missing PostgreSQL
//! into a failure instead of a skip, so CI cannot pass without it.

use app::backend::config::Config;
use app::backend::{AppState, Db};
use sea_orm::{ConnectionTrait, Database};

/// What every database test module uses (each takes what it needs).
#[allow(unused_imports)]
pub mod prelude {
    pub use super::{
        acting_as, audit_actions, demo, is_live, meta, set_status, sign_in, user_by_email, TestDb,
    };
    pub use crate::db_test;
    pub use app::backend::audit::{AuditContext, RequestMeta};
    pub use app::backend::bootstrap;
    pub use app::backend::entity::{audit_event, invitation, role, role_permission, session, user};
    pub use app::backend::seed::{self, DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR, DEMO_PASSWORD};
    pub use app::backend::sessions;
    pub use app::backend::users::{self, PasswordChange};
    pub use app::backend::{auth, ServiceError};
    pub use app::domain::invitation::effective_status;
    pub use app::domain::{Email, InvitationStatus, Permission, RoleKey, UserStatus};
    pub use chrono::{TimeDelta, Utc};
    pub use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    pub use std::collections::HashSet;
}

use app::backend::audit::RequestMeta;
use app::backend::entity::{audit_event, user};
use app::backend::seed;
use app::backend::users;
use app::backend::{auth, ServiceError};
use app::domain::Email;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub struct TestDb {
    pub db: Db,
    pub label: &'static str,
    url: String,
    drop_pg: Option<(String, String)>,
    sqlite_file: Option<std::path::PathBuf>,
}

impl TestDb {
    pub fn state(&self) -> AppState {
        AppState::new(self.db.clone(), test_config())
    }

    /// Another server instance on the same database: its own connections and caches.
    pub async fn second_instance(&self) -> Db {
        Db::connect(&self.url).await.expect("second instance")
    }

    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        self.sqlite_file.as_deref()
    }

    pub async fn finish(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = self.drop_pg {
            if let Ok(admin) = Database::connect(&admin_url).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            }
        }
        if let Some(file) = self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

pub fn test_config() -> Config {
    let mut config = Config::for_public_url("http://127.0.0.1:3000");
    config.sign_in_per_ip_per_minute = 1000;
    config
}

pub async fn sqlite() -> TestDb {
    let file = std::env::temp_dir().join(format!("usher-test-{}.db", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}", file.display());
    let db = Db::connect(&url).await.expect("sqlite");
    db.migrate().await.expect("migrations on sqlite");
    TestDb {
        db,
        label: "sqlite",
        url,
        drop_pg: None,
        sqlite_file: Some(file),
    }
}

fn pg_admin_url() -> String {
    std::env::var("DATABASE_URL_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub async fn postgres() -> Option<TestDb> {
    let admin_url = pg_admin_url();
    let required = std::env::var("USHER_REQUIRE_PG").is_ok_and(|v| v == "1");
    let admin = match Database::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) if required => {
            panic!("PostgreSQL is required (USHER_REQUIRE_PG=1) but {admin_url} failed: {e}")
        }
        Err(_) => {
            eprintln!("PostgreSQL not reachable at {admin_url}: skipped");
            return None;
        }
    };
    let name = format!("usher_test_{}", uuid::Uuid::new_v4().simple());
    // A linguistic collation, as many installations have (en_US.UTF-8), so that nothing
    // depends on the database comparing text by bytes; plain where the server has no ICU.
    let linguistic = format!(
        "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' \
         LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
    );
    if admin.execute_unprepared(&linguistic).await.is_err() {
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
    }
    let _ = admin.close().await;
    let (base, _) = admin_url.rsplit_once('/').expect("database URL has a path");
    let url = format!("{base}/{name}");
    let db = Db::connect(&url).await.expect("connect to test database");
    db.migrate().await.expect("migrations on postgres");
    Some(TestDb {
        db,
        label: "postgres",
        url,
        drop_pg: Some((admin_url, name)),
        sqlite_file: None,
    })
}

/// Declares one test that runs the body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! db_test {
    ($name:ident) => {
        $crate::db_test!($name, $name);
    };
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::support::sqlite().await;
                ($body)(&t).await;
                t.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(t) = $crate::support::postgres().await {
                    ($body)(&t).await;
                    t.finish().await;
                }
            }
        }
    };
}

pub fn meta() -> RequestMeta {
    RequestMeta {
        ip: Some("127.0.0.1".into()),
        user_agent: Some("tests".into()),
        request_id: Some("t".into()),
    }
}

pub async fn audit_actions(t: &TestDb, target: uuid::Uuid) -> Vec<String> {
    let mut events = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(target))
        .all(t.db.read())
        .await
        .unwrap();
    events.sort_by_key(|e| e.id);
    events.into_iter().map(|e| e.action).collect()
}

pub async fn demo(t: &TestDb) {
    seed::seed_demo(&t.db, 24, Utc::now()).await.unwrap();
}

pub async fn user_by_email(t: &TestDb, email: &str) -> user::Model {
    users::find_by_email(t.db.read(), &Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
}

pub async fn sign_in(t: &TestDb, email: &str, password: &str) -> Result<String, ServiceError> {
    let state = t.state();
    auth::sign_in(
        &state,
        email,
        password,
        Some("127.0.0.1".parse().unwrap()),
        meta(),
        Utc::now(),
    )
    .await
    .map(|(token, _)| token)
}

/// Whether `token` opens a live session at `at`.
pub async fn is_live(t: &TestDb, token: &str, at: chrono::DateTime<Utc>) -> bool {
    app::backend::sessions::authenticate(&t.db, &t.state().config, token, at)
        .await
        .unwrap()
        .is_some()
}

/// Moves a user to `to` as the system, with no version check.
pub async fn set_status(
    t: &TestDb,
    user_id: uuid::Uuid,
    to: app::domain::UserStatus,
) -> Result<user::Model, ServiceError> {
    let ctx = app::backend::audit::AuditContext::system("test");
    users::set_status(&t.db, user_id, to, None, &ctx, Utc::now()).await
}

/// A signed-in demo person, as server functions see them.
pub async fn acting_as(t: &TestDb, email: &str) -> app::backend::Caller {
    let token = sign_in(t, email, seed::DEMO_PASSWORD).await.unwrap();
    app::backend::sessions::authenticate(&t.db, &t.state().config, &token, Utc::now())
        .await
        .unwrap()
        .unwrap()
}
