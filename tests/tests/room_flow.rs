//! A room over real sockets: create, join, check in, drive steps, and the server's refusals.

use horseshoe_protocol::{Command, Credentials, ErrorCode, Event, MemberId, Role, ServerMsg};
use horseshoe_tests::http::{self, CreatedRoom};
use horseshoe_tests::{Client, TestServer};

struct Room {
    server: TestServer,
    room: CreatedRoom,
    _dir: tempfile::TempDir,
}

async fn new_room() -> anyhow::Result<Room> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let room =
        http::create_room(server.addr, r#"{"title": "Q3", "organisation": "Acme", "lens": "partner"}"#)
            .await?;
    Ok(Room { server, room, _dir: dir })
}

fn facilitator(room: &CreatedRoom, token: Option<String>) -> Credentials {
    Credentials::Facilitator { key: room.facilitator_key.clone(), token }
}

fn participant(token: Option<String>) -> Credentials {
    Credentials::Participant { token }
}

/// Joins and returns the client, its member id and its token.
async fn join(
    url: &str,
    credentials: Credentials,
    name: &str,
) -> anyhow::Result<(Client, MemberId, Option<String>)> {
    let (client, welcome) = Client::join(url, credentials, Some(name)).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("expected welcome, got {welcome:?}") };
    Ok((client, you.member_id.expect("a member"), you.token))
}

fn checkin(text: &str) -> Command {
    Command::SetCheckin { contribute: text.into(), get_out: format!("{text} back") }
}

#[tokio::test]
async fn check_ins_reach_everyone_in_the_same_order_with_no_gap_in_seq() -> anyhow::Result<()> {
    let Room { server, room, _dir } = new_room().await?;
    let url = server.ws_url(&room.room_id);
    let (mut fac, _, _) = join(&url, facilitator(&room, None), "Marta").await?;
    let mut people = Vec::new();
    for name in ["Ana", "Bo", "Cy"] {
        people.push(join(&url, participant(None), name).await?);
    }
    // Each participant checks in at once; all four clients must see the same sequence.
    let mut ids = Vec::new();
    for (client, _, _) in &mut people {
        ids.push(client.command(checkin("stories")).await?);
    }
    for ((client, _, _), id) in people.iter_mut().zip(&ids) {
        assert!(client.answer(id).await?.is_ok());
    }
    let mut orders = Vec::new();
    for client in std::iter::once(&mut fac).chain(people.iter_mut().map(|(c, _, _)| c)) {
        let mut seen = Vec::new();
        for msg in &client.received {
            if let ServerMsg::Event { seq, event: Event::CheckinSet { member_id, .. } } = msg {
                seen.push((*seq, *member_id));
            }
        }
        while seen.len() < 3 {
            let (seq, member) = client
                .wait_for(|m| match m {
                    ServerMsg::Event { seq, event: Event::CheckinSet { member_id, .. } } => {
                        Some((*seq, *member_id))
                    }
                    _ => None,
                })
                .await?;
            seen.push((seq, member));
        }
        orders.push(seen);
    }
    assert!(orders.windows(2).all(|w| w[0] == w[1]), "clients saw different orders: {orders:?}");
    // Nobody sees a gap: events meant for one member reach the others as `private` placeholders.
    for client in std::iter::once(&fac).chain(people.iter().map(|(c, _, _)| c)) {
        let seqs: Vec<u64> = client
            .received
            .iter()
            .filter_map(|m| match m {
                ServerMsg::Event { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect();
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "seq not consecutive: {seqs:?}");
    }
    let members: std::collections::BTreeSet<_> = orders[0].iter().map(|(_, m)| *m).collect();
    let expected: std::collections::BTreeSet<_> = people.iter().map(|(_, m, _)| *m).collect();
    assert_eq!(members, expected);
    Ok(())
}

#[tokio::test]
async fn facilitator_commands_are_refused_to_participants_and_viewers() -> anyhow::Result<()> {
    let Room { server, room, _dir } = new_room().await?;
    let url = server.ws_url(&room.room_id);
    let (mut fac, _, _) = join(&url, facilitator(&room, None), "Marta").await?;
    let (mut ana, _, _) = join(&url, participant(None), "Ana").await?;
    let (mut wall, welcome) = Client::join(&url, Credentials::Viewer, None).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome") };
    assert_eq!((you.role, you.member_id), (Role::Viewer, None));

    for client in [&mut ana, &mut wall] {
        for cmd in [
            Command::SetStep { step: 2 },
            Command::StartTimer { duration_ms: 60_000 },
            Command::UpdateSettings {
                title: Some("x".into()),
                organisation: None,
                lens: None,
                language: None,
                group_size: None,
            },
        ] {
            match client.run(cmd).await? {
                Err(ServerMsg::Reject { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
                other => panic!("expected forbidden, got {other:?}"),
            }
        }
    }
    match wall.run(checkin("x")).await? {
        Err(ServerMsg::Reject { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
        other => panic!("a viewer checked in: {other:?}"),
    }
    // The facilitator may, and the participant sees the step change.
    assert!(fac.run(Command::SetStep { step: 3 }).await?.is_ok());
    let step = ana.wait_for(|m| match m {
        ServerMsg::Event { event: Event::StepChanged { step }, .. } => Some(*step),
        _ => None,
    });
    assert_eq!(step.await?, 3);
    Ok(())
}

#[tokio::test]
async fn a_resent_command_id_is_acknowledged_again_but_applied_once() -> anyhow::Result<()> {
    let Room { server, room, _dir } = new_room().await?;
    let url = server.ws_url(&room.room_id);
    let (mut ana, _, _) = join(&url, participant(None), "Ana").await?;
    let (mut bo, _, _) = join(&url, participant(None), "Bo").await?;
    let msg = horseshoe_protocol::ClientMsg::Cmd {
        id: horseshoe_protocol::CommandId("same".into()),
        cmd: checkin("once"),
    };
    ana.send(&msg).await?;
    let id = horseshoe_protocol::CommandId("same".into());
    let first = ana.answer(&id).await?;
    ana.send(&msg).await?;
    let second = ana.answer(&id).await?;
    assert!(first.is_ok());
    assert_eq!(first, second);
    // Bo sees exactly one check-in event: a marker command after the resend proves nothing else came.
    assert!(bo.run(Command::Rename { name: "Bo B.".into() }).await?.is_ok());
    let checkins = bo
        .received
        .iter()
        .filter(|m| matches!(m, ServerMsg::Event { event: Event::CheckinSet { .. }, .. }))
        .count();
    assert_eq!(checkins, 1);
    Ok(())
}

#[tokio::test]
async fn a_restart_on_the_same_data_keeps_the_room_its_people_and_their_check_ins() -> anyhow::Result<()> {
    let Room { server, room, _dir } = new_room().await?;
    let url = server.ws_url(&room.room_id);
    let (mut fac, fac_id, fac_token) = join(&url, facilitator(&room, None), "Marta").await?;
    let (mut ana, ana_id, ana_token) = join(&url, participant(None), "Ana").await?;
    assert!(ana.run(checkin("kept")).await?.is_ok());
    assert!(fac.run(Command::SetStep { step: 4 }).await?.is_ok());
    drop((fac, ana));

    let server = server.restart().await?;
    let url = server.ws_url(&room.room_id);
    let (_ana, welcome) = Client::join(&url, participant(ana_token), None).await?;
    let ServerMsg::Welcome { you, room: state, .. } = welcome else {
        anyhow::bail!("no welcome: {welcome:?}")
    };
    assert_eq!(you.member_id, Some(ana_id), "the token brings back the same person");
    assert_eq!(you.token, None, "no new token for a known member");
    assert_eq!(state.step, 4);
    assert_eq!(state.checkins[&ana_id].contribute, "kept");
    assert_eq!(state.members.len(), 2);
    assert_eq!(state.settings.title, "Q3");

    let (_fac, welcome) = Client::join(&url, facilitator(&room, fac_token), None).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome") };
    assert_eq!((you.member_id, you.role), (Some(fac_id), Role::Facilitator));
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn reconnecting_with_the_token_is_the_same_person_and_presence_follows() -> anyhow::Result<()> {
    let Room { server, room, _dir } = new_room().await?;
    let url = server.ws_url(&room.room_id);
    let (mut fac, _, _) = join(&url, facilitator(&room, None), "Marta").await?;
    let (ana, ana_id, token) = join(&url, participant(None), "Ana").await?;
    fac.wait_online(|online| online.contains(&ana_id)).await?;
    drop(ana);
    fac.wait_online(|online| !online.contains(&ana_id)).await?;

    let (_again, welcome) = Client::join(&url, participant(token), Some("Someone else")).await?;
    let ServerMsg::Welcome { you, room: state, online, .. } = welcome else { anyhow::bail!("no welcome") };
    assert_eq!(you.member_id, Some(ana_id));
    assert_eq!(state.members.len(), 2, "no second member for a reconnect");
    assert!(online.contains(&ana_id));
    fac.wait_online(|online| online.contains(&ana_id)).await?;
    Ok(())
}

#[tokio::test]
async fn wrong_links_keys_and_versions_are_refused_with_a_reason() -> anyhow::Result<()> {
    let Room { server, room, _dir } = new_room().await?;
    let url = server.ws_url(&room.room_id);

    let wrong_key = Credentials::Facilitator { key: "0".repeat(64), token: None };
    let (mut client, first) = Client::join(&url, wrong_key, Some("Mallory")).await?;
    assert!(matches!(first, ServerMsg::Error { code: ErrorCode::Unauthorized, .. }), "{first:?}");
    assert_eq!(client.closed().await?.map(|f| u16::from(f.code)), Some(1008));

    let unknown = server.ws_url("0123456789abcdef0123456789abcdef");
    let (mut client, first) = Client::join(&unknown, participant(None), Some("Ana")).await?;
    assert!(matches!(first, ServerMsg::Error { code: ErrorCode::NotFound, .. }), "{first:?}");
    let close = client.closed().await?.expect("a close frame");
    assert_eq!(u16::from(close.code), 1008);
    assert!(close.reason.contains("no such room"));

    let mut client = Client::connect(&url).await?;
    client.send_text(r#"{"type":"hello","protocol":99,"credentials":{"role":"viewer"}}"#.into()).await?;
    let first = client.recv().await?;
    assert!(matches!(first, ServerMsg::Error { code: ErrorCode::UnsupportedVersion, .. }), "{first:?}");

    // A first frame that is not a hello is a bad hello: policy (1008), as the close-code table says.
    let mut client = Client::connect(&url).await?;
    client.send_text("{not json".into()).await?;
    assert_eq!(client.closed().await?.map(|f| u16::from(f.code)), Some(1008));
    let mut client = Client::connect(&url).await?;
    client.send_text(r#"{"type":"hello","protocol":1}"#.into()).await?;
    assert_eq!(client.closed().await?.map(|f| u16::from(f.code)), Some(1008));

    let mut client = Client::connect(&url).await?;
    client
        .send(&horseshoe_protocol::ClientMsg::Cmd {
            id: horseshoe_protocol::CommandId("x".into()),
            cmd: checkin("x"),
        })
        .await?;
    let first = client.recv().await?;
    assert!(matches!(first, ServerMsg::Error { code: ErrorCode::BadRequest, .. }), "{first:?}");

    // A participant token never opens facilitator powers, and a token of this room is unknown
    // elsewhere.
    let (_ana, _, token) = join(&url, participant(None), "Ana").await?;
    let other = http::create_room(server.addr, "{}").await?;
    let (_c, first) = Client::join(&server.ws_url(&other.room_id), participant(token), None).await?;
    assert!(matches!(first, ServerMsg::Error { code: ErrorCode::Unauthorized, .. }), "{first:?}");
    Ok(())
}

#[tokio::test]
async fn the_http_api_creates_rooms_and_answers_health_with_security_headers() -> anyhow::Result<()> {
    let Room { server, room, _dir } = new_room().await?;
    assert_eq!(room.room_id.len(), 32);
    assert!(room.facilitator_url.ends_with(&format!("/r/{}#key={}", room.room_id, room.facilitator_key)));
    assert!(room.participant_url.ends_with(&format!("/r/{}", room.room_id)));
    assert!(room.viewer_url.ends_with(&format!("/r/{}/wall", room.room_id)));
    assert!(room.participant_url.starts_with("http://127.0.0.1:"));

    let summary = http::request(server.addr, "GET", &format!("/api/rooms/{}", room.room_id), None).await?;
    assert_eq!(summary.status, 200);
    let json = summary.json()?;
    assert_eq!((json["title"].as_str(), json["lens"].as_str()), (Some("Q3"), Some("partner")));
    let missing =
        http::request(server.addr, "GET", "/api/rooms/0123456789abcdef0123456789abcdef", None).await?;
    assert_eq!(missing.status, 404);
    assert!(missing.json()?["error"].as_str().is_some_and(|e| e.contains("no such room")));

    let health = http::request(server.addr, "GET", "/healthz", None).await?;
    assert_eq!(health.status, 200);
    let page = http::request(server.addr, "GET", &format!("/r/{}", room.room_id), None).await?;
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));

    let bad = http::request(server.addr, "POST", "/api/rooms", Some(r#"{"lens": "martian"}"#)).await?;
    assert_eq!(bad.status, 400);
    let long = format!(r#"{{"title": "{}"}}"#, "x".repeat(500));
    assert_eq!(http::request(server.addr, "POST", "/api/rooms", Some(&long)).await?.status, 400);
    Ok(())
}
