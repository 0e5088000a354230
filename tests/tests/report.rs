//! Steps 4-6 and the report over real sockets and HTTP: private notes never leave the server
//! for anyone but their author until revealed, the report needs the facilitator key and
//! carries every outcome, and a room can be run again.

use horseshoe_protocol::{
    Column, Command, Credentials, ErrorCode, Event, ItemId, MemberId, ServerMsg, TextTarget,
};
use horseshoe_tests::http;
use horseshoe_tests::{Client, TestServer, Typist};

async fn join(url: &str, credentials: Credentials, name: &str) -> anyhow::Result<(Client, MemberId)> {
    let (client, welcome) = Client::join(url, credentials, Some(name)).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    Ok((client, you.member_id.expect("a member")))
}

fn ok(answer: Result<u64, ServerMsg>) -> anyhow::Result<u64> {
    answer.map_err(|reject| anyhow::anyhow!("rejected: {reject:?}"))
}

#[tokio::test]
async fn unrevealed_notes_never_reach_anyone_but_their_author() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let room = http::create_room(server.addr, "{}").await?;
    let url = server.ws_url(&room.room_id);
    let fac_credentials = Credentials::Facilitator { key: room.facilitator_key.clone(), token: None };
    let (mut fac, _) = join(&url, fac_credentials, "Marta").await?;
    let (mut ana, ana_id) = join(&url, Credentials::Participant { token: None }, "Ana").await?;
    let (mut bo, _) = join(&url, Credentials::Participant { token: None }, "Bo").await?;

    let secret = "grow-my-secret-business";
    let note = ItemId(format!("{ana_id}:n-1"));
    ok(ana.run(Command::AddNote { id: note.clone(), text: secret.into() }).await?)?;
    // A later joiner's snapshot, and everything Bo and the facilitator were sent, lack it.
    let (mut late, _) = join(&url, Credentials::Participant { token: None }, "Cy").await?;
    ok(bo.run(Command::Rename { name: "Bo B.".into() }).await?)?;
    ok(fac.run(Command::Rename { name: "Marta F.".into() }).await?)?;
    for client in [&bo, &fac, &late] {
        assert!(!client.raw.iter().any(|frame| frame.contains(secret) || frame.contains(&note.0)), "leaked");
    }
    // But they know Ana wrote one.
    assert!(bo.raw.iter().any(|f| f.contains("notes.pending") && f.contains(&ana_id.to_string())));

    ok(fac.run(Command::RevealNotes { member_id: Some(ana_id) }).await?)?;
    let seen = late
        .wait_event(|_, e| match e {
            Event::NoteSet { note } => Some(note.text.clone()),
            _ => None,
        })
        .await?;
    assert_eq!(seen, secret);
    drop(ana);
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn the_report_needs_the_key_and_carries_every_outcome() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let room =
        http::create_room(server.addr, r#"{"title": "Q3", "lens": "partner", "language": "en"}"#).await?;
    let url = server.ws_url(&room.room_id);
    let fac_credentials = Credentials::Facilitator { key: room.facilitator_key.clone(), token: None };
    let (mut fac, _) = join(&url, fac_credentials, "Marta").await?;
    let (mut ana, ana_id) = join(&url, Credentials::Participant { token: None }, "Ana").await?;
    fac.wait_online(|online| online.len() == 2).await?;

    let hostile = "<img src=x onerror=alert(1)>";
    ok(ana
        .run(Command::SetCheckin { contribute: hostile.into(), get_out: "=cmd|' /C calc'!A0".into() })
        .await?)?;
    ok(fac.run(Command::AddFactor { id: ItemId("f".into()), text: "They listened".into() }).await?)?;
    ok(fac.run(Command::FormGroups).await?)?;
    let group = 1;
    let target = TextTarget::Definition { group };
    let write = Command::EditText { target, update: Typist::new(7).insert(0, "Partners first") };
    ok(ana.run(write).await?)?;
    let note = ItemId(format!("{ana_id}:n"));
    ok(ana.run(Command::AddNote { id: note, text: "build stronger teams".into() }).await?)?;
    ok(fac.run(Command::RevealNotes { member_id: None }).await?)?;
    ok(fac.run(Command::TeamsFromGroups).await?)?;
    let card = Command::AddCard {
        id: ItemId("c".into()),
        team: 1,
        category: 1,
        column: Column::Failed,
        text: "Nobody read the survey".into(),
    };
    ok(ana.run(card).await?)?;
    ok(ana.run(Command::SetRating { team: 1, category: 1, rating: 2 }).await?)?;
    let area =
        Command::AddArea { id: ItemId("a".into()), text: String::new(), from_card: Some(ItemId("c".into())) };
    ok(ana.run(area).await?)?;
    ok(fac.run(Command::OpenVote { dots: 3 }).await?)?;
    ok(ana.run(Command::SetVote { area: ItemId("a".into()), dots: 3 }).await?)?;
    ok(fac.run(Command::CloseVote).await?)?;
    let follow = Command::FollowUp {
        id: ItemId("a".into()),
        owner: Some("Ana".into()),
        due: Some("2027-01-15".into()),
    };
    ok(fac.run(follow).await?)?;
    // A duplicate merged into it after the vote: its words and author stay in the reports.
    let duplicate =
        Command::AddArea { id: ItemId("d".into()), text: "Read the survey".into(), from_card: None };
    ok(ana.run(duplicate).await?)?;
    ok(fac.run(Command::MergeAreas { from: ItemId("d".into()), into: ItemId("a".into()) }).await?)?;

    let path = |ext: &str| format!("/api/rooms/{}/report.{ext}", room.room_id);
    let no_key = http::request(server.addr, "GET", &path("md"), None).await?;
    assert_eq!(no_key.status, 401);
    let wrong = http::request_with(
        server.addr,
        "GET",
        &path("md"),
        None,
        &[("Authorization", &format!("Bearer {}", "0".repeat(64)))],
    )
    .await?;
    assert_eq!(wrong.status, 401);

    let bearer = format!("Bearer {}", room.facilitator_key);
    let auth = [("Authorization", bearer.as_str())];
    let md = http::request_with(server.addr, "GET", &path("md"), None, &auth).await?;
    assert_eq!(md.status, 200);
    assert!(md.header("content-type").is_some_and(|t| t.starts_with("text/markdown")));
    for expected in [
        "# Q3",
        "\\<img src=x onerror=alert(1)>",
        "What I want to contribute",
        "They listened",
        "Partners first",
        "build stronger teams",
        "Nobody read the survey",
        "Rating 2/5",
        "Nobody read the survey** · 3 dots · Owner: Ana · Due: 2027-01-15\n   - Merged into it: Read the survey (Ana)",
        "We listen to partner feedback",
    ] {
        assert!(md.body.contains(expected), "report.md lacks {expected:?}:\n{}", md.body);
    }
    // An HTML tag needs an unescaped "<"; the escaped one shows as written.
    assert!(!md.body.replace("\\<", "").contains('<'), "user text became markup");
    assert!(!md.body.contains("\\-"), "no needless escapes a reader would see:\n{}", md.body);

    let csv = http::request_with(server.addr, "GET", &path("csv"), None, &auth).await?;
    assert!(
        csv.body.starts_with("step,kind,group,author,text,cluster,category,rating,votes,owner,date,rank\r\n")
    );
    assert!(csv.body.contains("'=cmd|' /C calc'!A0"), "formulas are neutralised:\n{}", csv.body);
    assert!(csv.body.contains("5,card.failed,1,Ana,Nobody read the survey,,1,2,,,"), "{}", csv.body);
    assert!(
        csv.body.contains(
            "6,area,,Ana,Nobody read the survey,,,,3,Ana,2027-01-15,1\r\n6,area.merged,,Ana,Read the survey,,,,,,,1\r\n"
        ),
        "{}",
        csv.body
    );
    // A team's rating has a row of its own, with or without cards, and so has the team.
    assert!(csv.body.contains("5,rating,1,,,,1,2,,,,\r\n"), "{}", csv.body);
    assert!(csv.body.contains("5,team,1,"), "{}", csv.body);

    let json = http::request_with(server.addr, "GET", &path("json"), None, &auth).await?.json()?;
    assert_eq!(json["room"]["priorities"]["tally"]["a"], 3);
    assert!(
        json["room"]["priorities"]["votes"].as_object().is_some_and(|v| v.is_empty()),
        "ballots stay secret"
    );
    assert_eq!(json["room"]["checkins"][ana_id.to_string()]["contribute"], hostile);

    let dup = http::request_with(
        server.addr,
        "POST",
        &format!("/api/rooms/{}/duplicate", room.room_id),
        None,
        &auth,
    )
    .await?;
    assert_eq!(dup.status, 201);
    let copy = dup.json()?;
    assert_ne!(copy["room_id"], room.room_id.as_str());
    let summary = http::request(
        server.addr,
        "GET",
        &format!("/api/rooms/{}", copy["room_id"].as_str().unwrap_or("")),
        None,
    )
    .await?
    .json()?;
    assert_eq!((summary["title"].as_str(), summary["lens"].as_str()), (Some("Q3"), Some("partner")));

    // Closing: read-only for everyone, and a newcomer is told so and comes in as a viewer.
    ok(fac.run(Command::CloseRoom { closed: true }).await?)?;
    assert!(ana.run(Command::Rename { name: "x".into() }).await?.is_err());
    let (mut late, notice) =
        Client::join(&url, Credentials::Participant { token: None }, Some("Late")).await?;
    assert!(matches!(notice, ServerMsg::Error { code: ErrorCode::Conflict, .. }), "{notice:?}");
    let ServerMsg::Welcome { you, .. } = late.recv().await? else { anyhow::bail!("no welcome") };
    assert_eq!(you.member_id, None);
    server.stop().await?;
    Ok(())
}
