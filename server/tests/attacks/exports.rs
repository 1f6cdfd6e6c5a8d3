//! The CSV export: a route of its own beside the server functions, with the same door.

use super::*;
use app::backend::seed::{DEMO_ADMIN, DEMO_MEMBER};
use std::io::Read;
use support::{send, Call};

fn export(path: &str, cookie: Option<&str>, encoding: &str) -> Call<'static> {
    let mut call = Call::get(Box::leak(path.to_string().into_boxed_str()), None);
    call.cookie = cookie.map(|c| &*Box::leak(c.to_string().into_boxed_str()));
    call.headers = vec![("Accept-Encoding", encoding.to_string())];
    call
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_streams_through_compression_as_browsers_ask() {
    let server = TestServer::start(|_| {}).await;
    let admin = server.token(DEMO_ADMIN).await;
    let plain = send(
        server.addr,
        export("/export/users.csv", Some(&admin), "identity"),
    )
    .await;
    assert_eq!(plain.status, 200);
    let lines: Vec<&str> = plain.body.trim_end().split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Name,Email,Entity,Roles,Status,Last sign-in,Created"
    );
    assert!(lines.len() > 10, "{} lines", lines.len());
    assert!(lines[1..].iter().all(|l| l.contains("Northwind Trading")));
    // What every browser sends: the same file, compressed, never an empty reply.
    let gzip = send(
        server.addr,
        export("/export/users.csv", Some(&admin), "gzip, deflate, br, zstd"),
    )
    .await;
    assert_eq!(gzip.status, 200, "{}", gzip.head);
    let encoding = gzip
        .header("content-encoding")
        .unwrap_or("identity")
        .to_string();
    let text = match encoding.as_str() {
        "gzip" => {
            let mut text = String::new();
            flate2::read::GzDecoder::new(&gzip.bytes[..])
                .read_to_string(&mut text)
                .expect("valid gzip");
            text
        }
        "br" => {
            let mut text = String::new();
            brotli::Decompressor::new(&gzip.bytes[..], 4096)
                .read_to_string(&mut text)
                .expect("valid brotli");
            text
        }
        other => panic!("unexpected encoding {other}"),
    };
    assert_eq!(text, plain.body, "compressed as {encoding}");
    // Members and strangers get no file.
    let member = server.token(DEMO_MEMBER).await;
    for cookie in [Some(member.as_str()), None] {
        let refused = send(server.addr, export("/export/users.csv", cookie, "gzip")).await;
        assert!(matches!(refused.status, 401 | 403), "{}", refused.status);
        assert!(!refused.body.contains("@"));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_export_gives_exactly_the_callers_events() {
    let server = TestServer::start(|_| {}).await;
    let admin = server.token(DEMO_ADMIN).await;
    let me = app::backend::sessions::authenticate(
        &server.db,
        &server.state.config,
        &admin,
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .unwrap();
    let northwind = me.entity.id;
    let contoso = app::backend::entities::find_by_slug(server.db.read(), "contoso")
        .await
        .unwrap()
        .unwrap()
        .id;
    let file = send(
        server.addr,
        export("/export/audit.csv", Some(&admin), "gzip, br"),
    )
    .await;
    assert_eq!(file.status, 200, "{}", file.head);
    assert!(file
        .header("content-disposition")
        .is_some_and(|d| d.contains("usher-audit-")));
    // Read back uncompressed to count it: one line per Northwind event, nothing of Contoso.
    let plain = send(
        server.addr,
        export("/export/audit.csv", Some(&admin), "identity"),
    )
    .await;
    let lines: Vec<&str> = plain.body.trim_end().split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Time,Event,Who,Action,About,Changes,IP,Request id"
    );
    use app::backend::entity::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let theirs = audit_event::Entity::find()
        .filter(audit_event::Column::EntityId.eq(northwind))
        .count(server.db.read())
        .await
        .unwrap();
    assert!(theirs > 0);
    assert_eq!(lines.len() as u64 - 1, theirs);
    // Another entity's log is not found; members and strangers get nothing; a bad filter is
    // named, not ignored.
    let other = format!("/export/audit.csv?entity={contoso}");
    let refused = send(server.addr, export(&other, Some(&admin), "identity")).await;
    assert_eq!(refused.status, 404);
    let member = server.token(DEMO_MEMBER).await;
    for cookie in [Some(member.as_str()), None] {
        let refused = send(server.addr, export("/export/audit.csv", cookie, "gzip")).await;
        assert!(matches!(refused.status, 401 | 403), "{}", refused.status);
        assert!(!refused.body.contains("@"));
    }
    let bad = send(
        server.addr,
        export("/export/audit.csv?from=yesterday", Some(&admin), "identity"),
    )
    .await;
    assert_eq!(bad.status, 422);
    // An address with no account: the header alone, like anyone without events.
    let nobody = send(
        server.addr,
        export(
            "/export/audit.csv?actor=nobody%40nowhere.test",
            Some(&admin),
            "identity",
        ),
    )
    .await;
    assert_eq!(nobody.status, 200);
    assert_eq!(nobody.body.trim_end().split("\r\n").count(), 1);
    server.stop().await;
}
