//! Hostile and broken clients: oversized and binary frames, floods, foreign origins, garbage of
//! every shape, and peers that fall silent (too many connections: `http_limits.rs`). Each gets a clear refusal
//! or close, never a panic, and the server goes on serving everyone else.

use futures_util::StreamExt;
use horseshoe::Config;
use horseshoe_protocol::{Command, Credentials, ErrorCode, ServerMsg};
use horseshoe_tests::http;
use horseshoe_tests::{Client, TestServer};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
use tokio_tungstenite::tungstenite::{self, Message};

async fn room(server: &TestServer) -> anyhow::Result<String> {
    Ok(server.ws_url(&http::create_room(server.addr, "{}").await?.room_id))
}

async fn participant(url: &str, name: &str) -> anyhow::Result<Client> {
    let (client, welcome) = Client::join(url, Credentials::Participant { token: None }, Some(name)).await?;
    anyhow::ensure!(matches!(welcome, ServerMsg::Welcome { .. }), "no welcome: {welcome:?}");
    Ok(client)
}

fn close_code(frame: Option<tungstenite::protocol::CloseFrame>) -> Option<u16> {
    frame.map(|f| u16::from(f.code))
}

#[tokio::test]
async fn oversized_and_binary_frames_are_closed_with_their_codes() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let url = room(&server).await?;

    let mut big = participant(&url, "Big").await?;
    let huge = format!(
        r#"{{"type":"cmd","id":1,"cmd":{{"type":"member.rename","name":"{}"}}}}"#,
        "x".repeat(200_000)
    );
    big.send_text(huge).await?;
    assert_eq!(close_code(big.closed().await?), Some(1009));

    let mut binary = participant(&url, "Bin").await?;
    binary.send_raw(Message::binary(vec![1, 2, 3])).await?;
    assert_eq!(close_code(binary.closed().await?), Some(1003));

    // A text longer than its field's cap is refused, and the connection goes on.
    let mut long = participant(&url, "Long").await?;
    let answer = long.run(Command::Rename { name: "y".repeat(500) }).await?;
    assert!(matches!(answer, Err(ServerMsg::Reject { code: ErrorCode::TooLong, .. })), "{answer:?}");
    assert!(long.run(Command::Rename { name: "Still here".into() }).await?.is_ok());
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_command_the_server_does_not_understand_is_rejected_and_the_connection_stays() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let url = room(&server).await?;
    let mut newer = participant(&url, "Newer").await?;
    let cases = [
        (r#"{"type":"cmd","id":1,"cmd":{"type":"note.teleport","id":"n"}}"#, 1, "an unknown command"),
        (r#"{"type":"cmd","id":2,"cmd":{"type":"member.rename"}}"#, 2, "a missing field"),
        (r#"{"type":"cmd","id":3,"cmd":{"type":"member.rename","name":7}}"#, 3, "a field of another type"),
        (r#"{"type":"cmd","id":0,"cmd":{"type":"member.rename","name":"x"}}"#, 0, "command number 0"),
    ];
    for (text, id, what) in cases {
        newer.send_text(text.to_owned()).await?;
        let answer = newer
            .wait_for(|msg| match msg {
                ServerMsg::Reject { id: rejected, code, .. } if rejected.0 == id => Some(*code),
                _ => None,
            })
            .await?;
        assert_eq!(answer, ErrorCode::BadRequest, "{what}");
    }
    // Without an id there is nothing to reject: an error says what was wrong.
    newer.send_text(r#"{"type":"cmd","cmd":{"type":"member.rename","name":"x"}}"#.to_owned()).await?;
    newer
        .wait_for(|msg| matches!(msg, ServerMsg::Error { code: ErrorCode::BadRequest, .. }).then_some(()))
        .await?;
    newer.send_text(r#"{"type":"drag","id":"n"}"#.to_owned()).await?;
    newer
        .wait_for(|msg| matches!(msg, ServerMsg::Error { code: ErrorCode::BadRequest, .. }).then_some(()))
        .await?;
    // The connection is still there.
    assert!(newer.run(Command::Rename { name: "Still here".into() }).await?.is_ok());
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn frames_that_are_not_messages_close_with_the_codes_of_rfc_6455() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let url = room(&server).await?;
    // Frames as a broken or hostile client writes them, past the library's own checks.
    let raw = |payload: &'static [u8], opcode: OpCode| {
        let header = FrameHeader { opcode, ..FrameHeader::default() };
        Message::Frame(Frame::from_payload(header, tungstenite::Bytes::from_static(payload)))
    };
    let cases = [
        (Message::text("not json"), 1007, "not JSON"),
        (Message::text(r#"{"type":"teleport","id":"c-1"}"#), 1007, "an unknown frame type"),
        (raw(b"\xff\xfe{}", OpCode::Data(Data::Text)), 1007, "a text frame that is not UTF-8"),
        (raw(b"{}", OpCode::Data(Data::Reserved(3))), 1002, "a reserved data opcode"),
        (raw(b"{}", OpCode::Data(Data::Continue)), 1002, "a continuation of nothing"),
        (raw(b"", OpCode::Control(Control::Reserved(11))), 1002, "a reserved control opcode"),
        (Message::binary(vec![1, 2, 3]), 1003, "a binary frame"),
    ];
    for (frame, code, what) in cases {
        let mut client = participant(&url, "Odd").await?;
        client.send_raw(frame).await?;
        let closed = client.closed().await;
        assert!(
            matches!(&closed, Ok(Some(close)) if u16::from(close.code) == code),
            "{what}: {closed:?} (expected a close frame with {code})"
        );
    }
    // Before hello, anything but a hello is a bad hello; invalid UTF-8 is still 1007.
    let mut client = Client::connect(&url).await?;
    client.send_raw(raw(b"\xff", OpCode::Data(Data::Text))).await?;
    assert_eq!(close_code(client.closed().await?), Some(1007));
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_flood_of_commands_is_rate_limited_without_dropping_the_connection() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let url = room(&server).await?;
    let mut flood = participant(&url, "Flood").await?;
    let mut ids = Vec::new();
    for n in 0..300 {
        ids.push(flood.command(Command::Rename { name: format!("n{n}") }).await?);
    }
    // Rejections come at once from the connection, acks after the room commits: count both
    // until every command has its answer.
    let wanted: std::collections::BTreeSet<_> = ids.into_iter().collect();
    let (mut acked, mut limited) = (0, 0);
    while acked + limited < wanted.len() {
        match flood.recv().await? {
            ServerMsg::Ack { id, .. } if wanted.contains(&id) => acked += 1,
            ServerMsg::Reject { id, code: ErrorCode::RateLimited, .. } if wanted.contains(&id) => {
                limited += 1
            }
            ServerMsg::Reject { id, code, .. } => anyhow::bail!("unexpected rejection of {id:?}: {code:?}"),
            _ => {}
        }
    }
    assert_eq!(acked + limited, 300);
    assert!(
        limited > 0 && acked >= horseshoe::admission::COMMAND_BURST as usize,
        "{acked} acked, {limited} limited"
    );
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn origins_are_compared_by_scheme_host_and_port() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let url = room(&server).await?;
    let addr = server.addr;
    let other_port = format!("http://{}:{}", addr.ip(), addr.port().wrapping_add(1));
    let cases = [
        ("http://evil.example".to_owned(), false),
        (format!("https://{addr}"), false),
        (other_port, false),
        (format!("http://{addr}"), true),
        (format!("HTTP://{addr}/"), true),
    ];
    let mut refused = 0;
    for (origin, allowed) in cases {
        let mut request = url.as_str().into_client_request()?;
        request.headers_mut().insert("Origin", origin.parse()?);
        match tokio_tungstenite::connect_async(request).await {
            Ok((mut socket, _)) => {
                assert!(allowed, "{origin} got in");
                socket.close(None).await?;
            }
            Err(tungstenite::Error::Http(response)) => {
                assert!(!allowed, "{origin} was refused");
                assert_eq!(response.status(), 403);
                refused += 1;
            }
            Err(e) => anyhow::bail!("{origin}: {e}"),
        }
    }
    let metrics = http::request(server.addr, "GET", "/metrics", None).await?;
    let line = format!("horseshoe_connections_refused_total {refused}\n");
    assert!(metrics.body.contains(&line), "{}", metrics.body);
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn behind_a_trusted_tls_proxy_the_page_origin_is_https() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let trusted = vec!["127.0.0.1".parse().map_err(anyhow::Error::msg)?];
    let server =
        TestServer::start_with(Config { trusted_proxies: trusted, ..Config::for_data_dir(dir.path()) })
            .await?;
    let url = room(&server).await?;
    let attempt = |origin: String| {
        let url = url.clone();
        async move {
            let mut request = url.as_str().into_client_request()?;
            request.headers_mut().insert("Origin", origin.parse()?);
            request.headers_mut().insert("X-Forwarded-Proto", "https".parse()?);
            anyhow::Ok(tokio_tungstenite::connect_async(request).await.map(|_| ()))
        }
    };
    assert!(attempt(format!("https://{}", server.addr)).await?.is_ok());
    assert!(attempt(format!("http://{}", server.addr)).await?.is_err());
    server.stop().await?;
    Ok(())
}

/// A tiny xorshift for reproducible garbage.
struct Rand(u64);

impl Rand {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    r#"{"type":"cmd","id":1,"cmd":{"type":"checkin.set","contribute":"a","get_out":"b"}}"#,
    r#"{"type":"cmd","id":2,"cmd":{"type":"note.drop","id":"n","x":1,"y":2,"onto":{"kind":"note","id":"m","new_cluster":"k"}}}"#,
    r#"{"type":"cmd","id":3,"cmd":{"type":"highlight.add","id":"h","group":1,"start":0,"end":4}}"#,
    r#"{"type":"cmd","id":5,"cmd":{"type":"text.edit","target":{"kind":"definition","group":1},"update":"AQHYzaGqAgAEAQF0A2FiYwA="}}"#,
    r#"{"type":"caret","target":{"kind":"card","id":"c"},"anchor":"AQ==","head":"AQ=="}"#,
    r#"{"type":"drag","id":"n","x":5,"y":6}"#,
    r#"{"type":"hello","protocol":3,"client":"a","credentials":{"role":"viewer"}}"#,
    r#"{"type":"cmd","id":4,"cmd":{"type":"vote.set","area":"a","dots":255}}"#,
];

/// A random mutation of a valid message, or plain noise.
fn garbage(rand: &mut Rand) -> String {
    let seed = SEEDS[rand.below(SEEDS.len())];
    let mut bytes = seed.as_bytes().to_vec();
    match rand.below(6) {
        0 => (0..rand.below(200)).map(|_| char::from(32 + rand.below(95) as u8)).collect(),
        1 => {
            let at = rand.below(bytes.len());
            bytes.truncate(at);
            String::from_utf8_lossy(&bytes).into_owned()
        }
        2 => {
            for _ in 0..1 + rand.below(5) {
                let at = rand.below(bytes.len());
                bytes[at] = b"{}[]\":,0-9ae\\"[rand.below(13)];
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        3 => seed.replace("\"a\"", &format!("\"{}\"", "\u{0}\u{7}é".repeat(rand.below(50)))),
        4 => seed.replace(':', &format!(":{}", "[".repeat(rand.below(300)))),
        _ => seed.replace("1", &u64::MAX.to_string()),
    }
}

#[tokio::test]
async fn ten_thousand_random_and_mutated_frames_never_stop_the_server() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let url = room(&server).await?;
    let (_first, welcome) =
        Client::join(&url, Credentials::Participant { token: None }, Some("Fuzz")).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome") };
    let token = you.token;

    let mut rand = Rand(0x5eed_cafe);
    let (mut processed, mut connections, mut closes) = (0_u32, 0_u32, 0_u32);
    while processed < 10_000 {
        // As a wall display or as the same participant coming back: no new member each time.
        let credentials = if rand.below(2) == 0 {
            Credentials::Viewer
        } else {
            Credentials::Participant { token: token.clone() }
        };
        let (mut client, _) = Client::join(&url, credentials, None).await?;
        connections += 1;
        loop {
            client.send_text(garbage(&mut rand)).await?;
            // A probe after each frame: its answer (or a close) proves the frame was handled.
            let probe = client.command(Command::Rename { name: "Fuzz".into() }).await;
            processed += 1;
            let answered = match probe {
                Ok(id) => client.answer(&id).await.is_ok(),
                Err(_) => false,
            };
            if !answered {
                closes += 1;
                break;
            }
            if processed >= 10_000 {
                break;
            }
        }
    }
    // Everyone else is served as usual.
    let mut fine = participant(&url, "Fine").await?;
    let answer = fine.run(Command::SetCheckin { contribute: "still".into(), get_out: "here".into() }).await?;
    assert!(answer.is_ok(), "{answer:?}");
    let health = http::request(server.addr, "GET", "/healthz", None).await?;
    assert_eq!(health.status, 200);
    assert!(
        closes > 100 && closes < processed,
        "{closes} closes: the garbage should sometimes, not always, close"
    );
    println!(
        "fuzz: {processed} frames handled over {connections} connections, {closes} closed by the server"
    );
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_silent_peer_is_dropped_and_its_presence_ends() -> anyhow::Result<()> {
    // Short intervals, so the test waits for the drop it expects rather than for minutes.
    let dir = tempfile::tempdir()?;
    let config = Config { ping_ms: 100, silence_ms: 400, ..Config::for_data_dir(dir.path()) };
    let server = TestServer::start_with(config).await?;
    let url = room(&server).await?;
    let mut watcher = participant(&url, "Watcher").await?;
    let (silent, welcome) =
        Client::join(&url, Credentials::Participant { token: None }, Some("Silent")).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome") };
    let silent_id = you.member_id.expect("a member");
    watcher.wait_online(|online| online.contains(&silent_id)).await?;

    // The silent client never reads again, so it never answers a ping; the watcher keeps
    // reading (and so answering) and stays.
    watcher.wait_online(|online| !online.contains(&silent_id)).await?;
    // Its socket is closed by the server (with 1001; the client, writing its late pongs into a
    // closed socket, may see the broken pipe before the close frame).
    let mut stream = silent.into_stream();
    let ended = tokio::time::timeout(horseshoe_tests::WAIT, async {
        loop {
            match stream.next().await {
                None | Some(Err(_)) => return None,
                Some(Ok(Message::Close(frame))) => return close_code(frame),
                Some(Ok(_)) => {}
            }
        }
    })
    .await?;
    assert!(matches!(ended, None | Some(1001)), "closed with {ended:?}");
    assert!(watcher.run(Command::Rename { name: "Still here".into() }).await?.is_ok());
    server.stop().await?;
    Ok(())
}

/// A client's frame, masked as RFC 6455 asks of clients (a fixed mask: the server must not
/// care which).
fn masked_text(payload: &[u8]) -> Vec<u8> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut frame = vec![0x81];
    match u16::try_from(payload.len()) {
        Ok(n) if n < 126 => frame.push(0x80 | n as u8),
        Ok(n) => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&n.to_be_bytes());
        }
        Err(_) => panic!("a test frame is short"),
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// A client that sends its `hello` in the same write as its upgrade request, before the
/// `101` (hyper has then read the hello with the request), still has it read, first.
#[tokio::test]
async fn a_hello_sent_with_the_upgrade_request_is_read_first() -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let room = http::create_room(server.addr, "{}").await?.room_id;
    let hello = horseshoe_tests::participant_hello("Early");
    let request = format!(
        "GET /api/rooms/{room}/ws HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        server.addr
    );
    let mut bytes = request.into_bytes();
    bytes.extend(masked_text(serde_json::to_string(&hello)?.as_bytes()));
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await?;
    tcp.write_all(&bytes).await?;

    // The response's head, then whatever came after it in the same reads.
    let mut read = Vec::new();
    let end = loop {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(horseshoe_tests::WAIT, tcp.read(&mut chunk)).await??;
        anyhow::ensure!(n > 0, "closed after {:?}", String::from_utf8_lossy(&read));
        read.extend_from_slice(&chunk[..n]);
        if let Some(at) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    assert!(read.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&read[..end]));
    let mut socket = tokio_tungstenite::WebSocketStream::from_partially_read(
        tcp,
        read[end..].to_vec(),
        tungstenite::protocol::Role::Client,
        None,
    )
    .await;
    let first = tokio::time::timeout(horseshoe_tests::WAIT, socket.next()).await?;
    let Some(Ok(Message::Text(text))) = first else { anyhow::bail!("no answer to the hello: {first:?}") };
    let welcome: ServerMsg = serde_json::from_str(&text)?;
    assert!(matches!(welcome, ServerMsg::Welcome { .. }), "{welcome:?}");
    server.stop().await?;
    Ok(())
}
