//! The store under load from outside: room loads go on while the writer is held up, and room
//! ids that are not in the store are answered from memory the second time.

use horseshoe_protocol::{Credentials, ErrorCode, ServerMsg};
use horseshoe_tests::{Client, TestServer, http};

const UNKNOWN: &str = "0123456789abcdef0123456789abcdef";

fn metric(body: &str, name: &str) -> Option<u64> {
    body.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn an_unknown_room_id_is_answered_from_memory_the_second_time() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    for _ in 0..3 {
        let answer = http::request(server.addr, "GET", &format!("/api/rooms/{UNKNOWN}"), None).await?;
        assert_eq!(answer.status, 404);
    }
    let (_, first) = Client::join(&server.ws_url(UNKNOWN), Credentials::Viewer, None).await?;
    assert!(matches!(first, ServerMsg::Error { code: ErrorCode::NotFound, .. }), "{first:?}");
    let metrics = http::request(server.addr, "GET", "/metrics", None).await?.body;
    assert_eq!(metric(&metrics, "horseshoe_room_loads_total"), Some(1), "{metrics}");
    assert_eq!(metric(&metrics, "horseshoe_unknown_rooms_cached_total"), Some(3), "{metrics}");

    // A room made now is found at once, whatever was remembered.
    let room = http::create_room(server.addr, "{}").await?;
    assert_eq!(
        http::request(server.addr, "GET", &format!("/api/rooms/{}", room.room_id), None).await?.status,
        200
    );
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_load_while_the_writer_is_held_up() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let mut rooms = Vec::new();
    for _ in 0..3 {
        rooms.push(http::create_room(server.addr, "{}").await?.room_id);
    }
    // Someone else holds the database's write lock: the server's writer waits for it.
    let lock = rusqlite::Connection::open(dir.path().join(horseshoe::store::DB_FILE))?;
    lock.execute_batch("BEGIN IMMEDIATE")?;
    let addr = server.addr;
    let health = tokio::spawn(async move { http::request(addr, "GET", "/healthz", None).await });
    for room in &rooms {
        let answer = http::request(server.addr, "GET", &format!("/api/rooms/{room}"), None).await?;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    assert!(!health.is_finished(), "the health check got through while the writer was held up");
    lock.execute_batch("COMMIT")?;
    drop(lock);
    health.await??;
    server.stop().await?;
    Ok(())
}
