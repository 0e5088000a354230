//! The HTTP layer under abuse: connections that never finish their headers, never send
//! anything, or stall mid-request are closed; one address cannot hold more connections than its
//! cap even if they never upgrade; room creation is rate limited per address (and can require a
//! key); behind a trusted proxy the limits count the forwarded client; the bench-only relay is
//! not in the default build.

use std::time::Duration;

use clap::Parser as _;
use horseshoe::Config;
use horseshoe_protocol::{Credentials, ServerMsg};
use horseshoe_tests::http::{self, Response};
use horseshoe_tests::{Client, TestServer, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self};

/// Reads until the server closes the connection (or resets it); fails if it stays open.
async fn wait_closed(stream: &mut TcpStream) -> anyhow::Result<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 512];
    tokio::time::timeout(WAIT, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .map_err(|_| anyhow::anyhow!("the server kept the connection open"))?;
    Ok(seen)
}

async fn post_room(server: &TestServer, headers: &[(&str, &str)]) -> anyhow::Result<Response> {
    http::request_with(server.addr, "POST", "/api/rooms", Some("{}"), headers).await
}

#[tokio::test]
async fn a_slowloris_client_and_a_silent_one_are_closed_by_the_header_timeout() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server =
        TestServer::start_with(Config { http_header_timeout_ms: 300, ..Config::for_data_dir(dir.path()) })
            .await?;

    let mut silent = TcpStream::connect(server.addr).await?;
    wait_closed(&mut silent).await?;

    // A header byte every 50 ms: never a whole request, always something new.
    let mut slow = TcpStream::connect(server.addr).await?;
    let request =
        format!("GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Padding: {}", server.addr, "a".repeat(10_000));
    let closed = tokio::time::timeout(WAIT, async {
        for byte in request.bytes() {
            if slow.write_all(&[byte]).await.is_err() {
                return true;
            }
            // Whatever comes back (an end, a reset, an error status) means the server gave up.
            let mut buf = [0u8; 64];
            if tokio::time::timeout(Duration::from_millis(50), slow.read(&mut buf)).await.is_ok() {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(closed, Ok(true)), "the slow client was not closed");

    // A client that sends its headers at once is served as before.
    assert_eq!(http::request(server.addr, "GET", "/healthz", None).await?.status, 200);
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_request_whose_body_stops_coming_is_closed_by_the_idle_timeout() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server =
        TestServer::start_with(Config { http_idle_timeout_ms: 300, ..Config::for_data_dir(dir.path()) })
            .await?;
    let mut stalled = TcpStream::connect(server.addr).await?;
    let head = format!(
        "POST /api/rooms HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\"",
        server.addr
    );
    stalled.write_all(head.as_bytes()).await?;
    wait_closed(&mut stalled).await?;
    assert_eq!(http::request(server.addr, "GET", "/healthz", None).await?.status, 200);
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn connections_are_capped_per_address_from_accept_not_from_upgrade() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server =
        TestServer::start_with(Config { max_connections_per_ip: 3, ..Config::for_data_dir(dir.path()) })
            .await?;
    let room = http::create_room(server.addr, "{}").await?;

    // Three connections that never send a request hold the address's three places.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(server.addr).await?);
    }
    let mut fourth = TcpStream::connect(server.addr).await?;
    let answer = wait_closed(&mut fourth).await?;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 429"), "{answer}");
    let refused = tokio_tungstenite::connect_async(server.ws_url(&room.room_id)).await;
    assert!(refused.is_err(), "a WebSocket got past the cap");

    // The held connections are still served.
    let mut first = held.remove(0);
    let metrics = http::request_over(&mut first, server.addr, "GET", "/metrics", None, &[]).await?;
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("horseshoe_tcp_connections 3\n"), "{}", metrics.body);
    assert!(metrics.body.contains("horseshoe_connections_refused_total 2\n"), "{}", metrics.body);
    drop(held);
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn room_creation_is_rate_limited_per_address_with_retry_after() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config =
        Config { room_create_burst: 3, room_creates_per_hour: 1, ..Config::for_data_dir(dir.path()) };
    let server = TestServer::start_with(config).await?;
    let mut rooms = Vec::new();
    for _ in 0..3 {
        rooms.push(http::created(&post_room(&server, &[]).await?)?);
    }
    let refused = post_room(&server, &[]).await?;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let retry: u64 = refused.header("retry-after").expect("a Retry-After header").parse()?;
    assert!(retry >= 1);
    assert!(refused.json()?["error"].as_str().is_some_and(|e| e.contains("too many rooms")));

    // Running a room again makes a room too.
    let bearer = format!("Bearer {}", rooms[0].facilitator_key);
    let path = format!("/api/rooms/{}/duplicate", rooms[0].room_id);
    let again = http::request_with(server.addr, "POST", &path, None, &[("Authorization", &bearer)]).await?;
    assert_eq!(again.status, 429, "{}", again.body);
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_private_deployment_requires_its_create_key() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let key = "a-private-create-key-0123456789";
    let config = Config { create_key: Some(key.into()), ..Config::for_data_dir(dir.path()) };
    let server = TestServer::start_with(config).await?;
    let info = http::request(server.addr, "GET", "/api/server", None).await?.json()?;
    assert_eq!(info["create_key"], true, "the home page cannot know to ask for the key");

    let none = post_room(&server, &[]).await?;
    assert_eq!(none.status, 401, "{}", none.body);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    let wrong = post_room(&server, &[("Authorization", "Bearer not-the-key-at-all")]).await?;
    assert_eq!(wrong.status, 401);
    let bearer = format!("Bearer {key}");
    let room = http::created(&post_room(&server, &[("Authorization", &bearer)]).await?)?;

    // Joining needs no create key.
    let credentials = Credentials::Participant { token: None };
    let (_ana, welcome) = Client::join(&server.ws_url(&room.room_id), credentials, Some("Ana")).await?;
    assert!(matches!(welcome, ServerMsg::Welcome { .. }), "{welcome:?}");
    server.stop().await?;

    let open = TestServer::start(dir.path()).await?;
    let info = http::request(open.addr, "GET", "/api/server", None).await?.json()?;
    assert_eq!(info["create_key"], false);
    http::create_room(open.addr, "{}").await?;
    open.stop().await?;

    let short = Config { create_key: Some("short".into()), ..Config::for_data_dir(dir.path()) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let shutdown = tokio_util::sync::CancellationToken::new();
    assert!(horseshoe::run(listener, short, shutdown).await.is_err(), "a guessable create key was taken");
    Ok(())
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_limits_count_the_forwarded_client() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = Config {
        room_create_burst: 1,
        room_creates_per_hour: 1,
        max_connections_per_ip: 2,
        trusted_proxies: vec!["127.0.0.0/8".parse().map_err(anyhow::Error::msg)?],
        ..Config::for_data_dir(dir.path())
    };
    let server = TestServer::start_with(config).await?;
    let from = |ip: &'static str| [("X-Forwarded-For", ip)];
    let room = http::created(&post_room(&server, &from("203.0.113.1")).await?)?;
    assert_eq!(post_room(&server, &from("203.0.113.1")).await?.status, 429);
    http::created(&post_room(&server, &from("203.0.113.2")).await?)?;
    // A client's own header is not believed: the proxy appends the address it saw.
    assert_eq!(post_room(&server, &from("203.0.113.3, 203.0.113.2")).await?.status, 429);
    let forwarded = [("Forwarded", "for=\"[2001:db8::5]:1234\";proto=https")];
    http::created(&post_room(&server, &forwarded).await?)?;

    // WebSockets are capped per forwarded client; the proxy itself is not capped.
    let url = server.ws_url(&room.room_id);
    let connect = |ip: &'static str| {
        let url = url.clone();
        async move {
            let mut request = url.as_str().into_client_request()?;
            request.headers_mut().insert("X-Forwarded-For", ip.parse()?);
            anyhow::Ok(tokio_tungstenite::connect_async(request).await)
        }
    };
    let _a1 = connect("198.51.100.1").await??;
    let _a2 = connect("198.51.100.1").await??;
    match connect("198.51.100.1").await? {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 429),
        other => anyhow::bail!("a third connection from one client got in: {:?}", other.map(|_| ())),
    }
    let _b = connect("198.51.100.2").await??;
    server.stop().await?;

    // Without --trusted-proxies the header is ignored: everyone is the TCP peer.
    let dir = tempfile::tempdir()?;
    let config =
        Config { room_create_burst: 1, room_creates_per_hour: 1, ..Config::for_data_dir(dir.path()) };
    let server = TestServer::start_with(config).await?;
    http::created(&post_room(&server, &from("203.0.113.1")).await?)?;
    assert_eq!(post_room(&server, &from("203.0.113.2")).await?.status, 429);
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn the_bench_relay_is_not_in_the_default_build() -> anyhow::Result<()> {
    assert!(Config::try_parse_from(["horseshoe", "--bench-relay"]).is_err(), "the flag exists");
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    match tokio_tungstenite::connect_async(format!("ws://{}/bench/relay/x", server.addr)).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 404),
        other => anyhow::bail!("the relay answered: {:?}", other.map(|_| ())),
    }
    server.stop().await?;
    Ok(())
}
