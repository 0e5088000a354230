//! Steps 2, 3 and 5 over real sockets: groups from presence; several people typing into one
//! shared text at once (Yjs updates through the room), every keystroke kept and every copy
//! converging; carets as presence; highlights on their words while the text changes; undo
//! entries kept to their owner.

use horseshoe_protocol::{
    ClientMsg, Column, Command, Credentials, ErrorCode, Event, GroupId, ItemId, MemberId, ServerMsg,
    TextTarget,
};
use horseshoe_tests::{Client, TestServer, Typist, events_of, http};

struct Person {
    client: Client,
    id: MemberId,
}

async fn join(url: &str, credentials: Credentials, name: &str) -> anyhow::Result<Person> {
    let (client, welcome) = Client::join(url, credentials, Some(name)).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    Ok(Person { client, id: you.member_id.expect("a member") })
}

/// A new room called `title` and its facilitator Marta; the room's WebSocket URL.
async fn with_facilitator(server: &TestServer, title: &str) -> anyhow::Result<(String, Person)> {
    let room = http::create_room(server.addr, &serde_json::json!({ "title": title }).to_string()).await?;
    let url = server.ws_url(&room.room_id);
    let key = room.facilitator_key.clone();
    let fac = join(&url, Credentials::Facilitator { key, token: None }, "Marta").await?;
    Ok((url, fac))
}

/// A room with a facilitator, Ana and Cy in group 1, Bo in group 2.
async fn grouped_room(
    server: &TestServer,
) -> anyhow::Result<(Person, Person, Person, Person, GroupId, GroupId)> {
    let (url, mut fac) = with_facilitator(server, "Definitions").await?;
    let ana = join(&url, Credentials::Participant { token: None }, "Ana").await?;
    let bo = join(&url, Credentials::Participant { token: None }, "Bo").await?;
    let cy = join(&url, Credentials::Participant { token: None }, "Cy").await?;
    fac.client.wait_online(|online| online.len() == 4).await?;
    assert!(fac.client.run(Command::FormGroups).await?.is_ok());
    for who in [ana.id, bo.id] {
        assert!(fac.client.run(Command::MoveToGroup { member_id: who, group: None }).await?.is_ok());
    }
    // Ana and Bo each opened a new group; Cy joins Ana's.
    let mut group_of = std::collections::BTreeMap::new();
    for event in fac.client.received.iter().flat_map(events_of) {
        if let Event::GroupMember { member_id, group, .. } = event {
            group_of.insert(*member_id, *group);
        }
    }
    let of = |id: MemberId| group_of.get(&id).copied().flatten().expect("grouped");
    let (g_ana, g_bo) = (of(ana.id), of(bo.id));
    assert_ne!(g_ana, g_bo);
    assert!(fac.client.run(Command::MoveToGroup { member_id: cy.id, group: Some(g_ana) }).await?.is_ok());
    Ok((fac, ana, bo, cy, g_ana, g_bo))
}

fn code(answer: &Result<u64, ServerMsg>) -> Option<ErrorCode> {
    match answer {
        Err(ServerMsg::Reject { code, .. }) => Some(*code),
        _ => None,
    }
}

fn edit(target: &TextTarget, update: String) -> Command {
    Command::EditText { target: target.clone(), update }
}

/// Reads until every command in `ids` is answered; fails on a refusal.
async fn all_acked(client: &mut Client, ids: &[horseshoe_protocol::CommandId]) -> anyhow::Result<()> {
    for id in ids {
        let answer = client.answer(id).await?;
        anyhow::ensure!(answer.is_ok(), "a keystroke was refused: {answer:?}");
    }
    Ok(())
}

/// Reads until the text of `target` reads `text` in the changes `client` received; returns the
/// copy built from them.
async fn sees_text(
    client: &mut Client,
    target: &TextTarget,
    text: &str,
    copy: &Typist,
) -> anyhow::Result<()> {
    for msg in &client.received {
        copy.follow(target, events_of(msg));
    }
    while copy.text() != text {
        let msg = client.recv().await?;
        copy.follow(target, events_of(&msg));
    }
    Ok(())
}

#[tokio::test]
async fn two_people_type_into_one_sentence_at_once_and_every_keystroke_is_kept() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (_fac, mut ana, mut bo, mut cy, g1, _g2) = grouped_room(&server).await?;
    let target = TextTarget::Definition { group: g1 };

    // Ana starts the sentence; Cy has it before typing.
    let ana_doc = Typist::new(1001);
    let start = ana_doc.insert(0, "client heart");
    assert!(ana.client.run(edit(&target, start)).await?.is_ok());
    let cy_doc = Typist::new(1002);
    sees_text(&mut cy.client, &target, "client heart", &cy_doc).await?;

    // Both type at once, keystroke by keystroke, neither waiting for the other: Ana at the
    // start, Cy at the end.
    let (ana_words, cy_words) = ("Every ", " of each decision");
    let mut ana_ids = Vec::new();
    let mut cy_ids = Vec::new();
    for k in 0..ana_words.len().max(cy_words.len()) {
        if let Some(c) = ana_words.get(k..=k) {
            ana_ids.push(ana.client.command(edit(&target, ana_doc.insert(k as u32, c))).await?);
        }
        if let Some(c) = cy_words.get(k..=k) {
            let at = cy_doc.len();
            cy_ids.push(cy.client.command(edit(&target, cy_doc.insert(at, c))).await?);
        }
    }
    all_acked(&mut ana.client, &ana_ids).await?;
    all_acked(&mut cy.client, &cy_ids).await?;

    // Every copy converges on a sentence with both people's words, whole.
    let expected = "Every client heart of each decision";
    sees_text(&mut ana.client, &target, expected, &ana_doc).await?;
    sees_text(&mut cy.client, &target, expected, &cy_doc).await?;
    let bo_doc = Typist::new(1003);
    sees_text(&mut bo.client, &target, expected, &bo_doc).await?;

    // Bo is in the other group: his keystrokes are refused, and nothing of them lands.
    let refused = bo.client.run(edit(&target, bo_doc.insert(0, "x"))).await?;
    assert_eq!(code(&refused), Some(ErrorCode::Forbidden));

    // A newcomer's snapshot carries the document, which continues from there.
    let url = format!("ws://{}/api/rooms/{}/ws", server.addr, room_of(&ana.client));
    let (_late, welcome) = Client::join(&url, Credentials::Viewer, None).await?;
    let ServerMsg::Welcome { room, .. } = welcome else { anyhow::bail!("no welcome") };
    assert_eq!(Typist::of(9, &room, &target).text(), expected);
    server.stop().await?;
    Ok(())
}

/// The room id a client's welcome named.
fn room_of(client: &Client) -> String {
    client
        .received
        .iter()
        .find_map(|m| match m {
            ServerMsg::Welcome { room, .. } => Some(room.id.as_str().to_owned()),
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn carets_show_who_is_typing_where_and_a_refused_update_changes_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (mut fac, mut ana, mut bo, mut cy, g1, _g2) = grouped_room(&server).await?;
    assert!(fac.client.run(Command::TeamsFromGroups).await?.is_ok());
    let id = ItemId("card-1".into());
    let add = Command::AddCard {
        id: id.clone(),
        team: g1,
        category: 2,
        column: Column::Failed,
        text: "We lost".into(),
    };
    assert!(ana.client.run(add).await?.is_ok());
    let target = TextTarget::Card { id };

    // Ana's caret reaches the others (coalesced; the last one always arrives).
    for n in 0..20u8 {
        let caret = ClientMsg::Caret { target: target.clone(), anchor: Some(format!("A{n}")), head: None };
        ana.client.send(&caret).await?;
    }
    for person in [&mut cy, &mut bo, &mut fac] {
        person
            .client
            .wait_for(|m| match m {
                ServerMsg::Caret { target: t, member_id, anchor, .. }
                    if *member_id == ana.id && *t == target =>
                {
                    (anchor.as_deref() == Some("A19")).then_some(())
                }
                _ => None,
            })
            .await?;
    }

    // Cy's copy of the card, typed into; an update past the card's cap is refused whole, and
    // the room's text is what it was.
    let cy_doc = Typist::new(2002);
    sees_text(&mut cy.client, &target, "We lost", &cy_doc).await?;
    let long = "x".repeat(horseshoe_protocol::limits::MAX_CARD_CHARS);
    let refused = cy.client.run(edit(&target, cy_doc.insert(7, &long))).await?;
    assert_eq!(code(&refused), Some(ErrorCode::TooLong));
    // Not even text that builds on the refused update gets in: the room never had it.
    let rebuilt = Typist::new(2003);
    sees_text(&mut cy.client, &target, "We lost", &rebuilt).await?;
    let ok = cy.client.run(edit(&target, rebuilt.insert(7, " a client"))).await?;
    assert!(ok.is_ok(), "{ok:?}");
    let fac_doc = Typist::new(2004);
    sees_text(&mut fac.client, &target, "We lost a client", &fac_doc).await?;

    // Bo, in the other team, may not type into this card.
    assert_eq!(
        code(&bo.client.run(edit(&target, fac_doc.insert(0, "x"))).await?),
        Some(ErrorCode::Forbidden)
    );
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn highlights_stay_on_their_words_and_undo_entries_stay_with_their_owner() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (mut fac, mut ana, mut bo, _cy, g1, g2) = grouped_room(&server).await?;
    let (t1, t2) = (TextTarget::Definition { group: g1 }, TextTarget::Definition { group: g2 });
    let ana_doc = Typist::new(3001);
    assert!(ana.client.run(edit(&t1, ana_doc.insert(0, "Listen to client needs"))).await?.is_ok());
    assert!(
        bo.client.run(edit(&t2, Typist::new(3002).insert(0, "Design around client needs"))).await?.is_ok()
    );
    let add = Command::AddHighlight { id: ItemId("h1".into()), group: g1, start: 10, end: 22 };
    let highlighted = bo.client.run(add).await?;
    assert!(highlighted.is_ok(), "{highlighted:?}");

    let common = fac
        .client
        .wait_event(|_, e| match e {
            Event::CommonChanged { common } if common.iter().any(|t| t.highlights > 0) => {
                Some(common.clone())
            }
            _ => None,
        })
        .await?;
    let term = common.iter().find(|t| t.term == "client needs").expect("a common phrase");
    assert_eq!((term.definitions, term.highlights), (2, 1));

    // Ana types in front of the highlighted words: the highlight moves with them (every copy
    // resolves its anchors in the text; a newcomer's snapshot has it where it is now).
    assert!(ana.client.run(edit(&t1, ana_doc.insert(0, "Always "))).await?.is_ok());
    let url = format!("ws://{}/api/rooms/{}/ws", server.addr, room_of(&ana.client));
    let (_wall, welcome) = Client::join(&url, Credentials::Viewer, None).await?;
    let ServerMsg::Welcome { room, .. } = welcome else { anyhow::bail!("no welcome") };
    let h = &room.definitions.highlights[&ItemId("h1".into())];
    assert_eq!((h.start, h.end, h.phrase.as_str()), (17, 29, "client needs"), "still on its words");
    assert!(h.anchor.is_some(), "anchored for the browsers to follow");

    // Bo's undo entry is his alone: the facilitator got the same change without it.
    let Ok(seq) = highlighted else { unreachable!() };
    let events_at = |client: &Client| -> Vec<Event> {
        let at_seq = client.received.iter().filter(|m| horseshoe_tests::change_seq(m) == Some(seq));
        at_seq.flat_map(events_of).cloned().collect()
    };
    let bo_saw = events_at(&bo.client);
    assert!(
        bo_saw.iter().any(|e| matches!(e, Event::HistoryRecorded { member_id, .. } if *member_id == bo.id))
    );
    let fac_saw = events_at(&fac.client);
    assert!(fac_saw.iter().any(|e| matches!(e, Event::HighlightSet { .. })), "the same change, public part");
    assert!(
        !fac.client.raw.iter().any(|f| f.contains("history.recorded") && !f.contains(&fac.id.to_string()))
    );

    // Bo undoes his highlight: everyone sees it go; Ana cannot undo it (it is not hers).
    assert!(code(&ana.client.run(Command::Undo).await?).is_some(), "Ana has nothing of hers to undo");
    assert!(bo.client.run(Command::Undo).await?.is_ok());
    fac.client
        .wait_event(|_, e| matches!(e, Event::HighlightRemoved { id } if id.0 == "h1").then_some(()))
        .await?;
    // Moving to another step leaves nothing to redo or undo from this one.
    assert!(fac.client.run(Command::SetStep { step: 4 }).await?.is_ok());
    assert!(code(&bo.client.run(Command::Redo).await?).is_some(), "redo reaches only the current step");
    server.stop().await?;
    Ok(())
}

/// Whether `msg` is the change that placed `who` in a group and a team as a latecomer.
fn placed_late(msg: &ServerMsg, who: MemberId) -> bool {
    let events = events_of(msg);
    let group = events.iter().any(
        |e| matches!(e, Event::GroupMember { member_id, group: Some(_), late: true } if *member_id == who),
    );
    let team = events.iter().any(
        |e| matches!(e, Event::TeamMember { member_id, team: Some(_), late: true } if *member_id == who),
    );
    group && team
}

/// Cy and Dee are away (a dropped line, a closed laptop) when the facilitator forms groups and
/// then teams. Coming back, each is placed in the smallest group and team as a latecomer would
/// be, shown as new to the facilitator: Cy resuming from where they were, Dee from a snapshot.
#[tokio::test]
async fn a_participant_away_when_groups_were_formed_is_placed_on_return() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (url, mut fac) = with_facilitator(&server, "Away").await?;
    let _ana = join(&url, Credentials::Participant { token: None }, "Ana").await?;
    let _bo = join(&url, Credentials::Participant { token: None }, "Bo").await?;
    let mut away = Vec::new();
    for name in ["Cy", "Dee"] {
        let (client, welcome) =
            Client::join(&url, Credentials::Participant { token: None }, Some(name)).await?;
        let ServerMsg::Welcome { you, room, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
        away.push((you.member_id.expect("a member"), you.token.expect("a token"), room.seq, client));
    }
    fac.client.wait_online(|online| online.len() == 5).await?;
    let away: Vec<_> =
        away.into_iter().map(|(id, token, seq, client)| (drop(client), id, token, seq)).collect();
    fac.client.wait_online(|online| online.len() == 3).await?;
    assert!(fac.client.run(Command::FormGroups).await?.is_ok());
    assert!(fac.client.run(Command::FormTeams).await?.is_ok());

    // Cy resumes from the seq they had.
    let (_, cy, cy_token, cy_seq) = &away[0];
    let (mut cy_client, _) =
        Client::rejoin(&url, Credentials::Participant { token: Some(cy_token.clone()) }, None, Some(*cy_seq))
            .await?;
    let cy = *cy;
    cy_client.wait_for(|msg| placed_late(msg, cy).then_some(())).await?;
    fac.client.wait_for(|msg| placed_late(msg, cy).then_some(())).await?;

    // Dee comes back on a snapshot, which has them placed.
    let (_, dee, dee_token, _) = &away[1];
    let (_dee_client, welcome) =
        Client::join(&url, Credentials::Participant { token: Some(dee_token.clone()) }, None).await?;
    let ServerMsg::Welcome { room: state, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    assert!(state.late_to_group(*dee), "Dee is in a group, new: {:?}", state.definitions.groups);
    assert!(state.team_of(*dee).is_some(), "Dee is in a team: {:?}", state.assessment.teams);
    fac.client.wait_for(|msg| placed_late(msg, *dee).then_some(())).await?;
    Ok(())
}

/// A participant who comes back while the room is closed, away when groups and teams were
/// formed, is placed when the facilitator reopens it, without coming back again.
#[tokio::test]
async fn a_participant_back_while_the_room_was_closed_is_placed_when_it_reopens() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (url, mut fac) = with_facilitator(&server, "Closed").await?;
    let _ana = join(&url, Credentials::Participant { token: None }, "Ana").await?;
    let _bo = join(&url, Credentials::Participant { token: None }, "Bo").await?;
    let (cy_client, welcome) =
        Client::join(&url, Credentials::Participant { token: None }, Some("Cy")).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    let (cy, token) = (you.member_id.expect("a member"), you.token.expect("a token"));
    fac.client.wait_online(|online| online.len() == 4).await?;
    drop(cy_client);
    fac.client.wait_online(|online| online.len() == 3).await?;
    assert!(fac.client.run(Command::FormGroups).await?.is_ok());
    assert!(fac.client.run(Command::FormTeams).await?.is_ok());
    assert!(fac.client.run(Command::CloseRoom { closed: true }).await?.is_ok());

    let (mut cy_client, welcome) =
        Client::join(&url, Credentials::Participant { token: Some(token) }, None).await?;
    let ServerMsg::Welcome { room, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    assert!(room.group_of(cy).is_none(), "nothing changes in a closed room");
    fac.client.wait_online(|online| online.contains(&cy)).await?;
    assert!(fac.client.run(Command::CloseRoom { closed: false }).await?.is_ok());
    cy_client.wait_for(|msg| placed_late(msg, cy).then_some(())).await?;
    Ok(())
}

/// A backlog resent at once after a reconnect (key factors sent back to back, many within one
/// millisecond) keeps the order it was written in wherever lists go by when things were made:
/// each gets a later time.
#[tokio::test]
async fn things_made_in_one_batch_keep_their_order() -> anyhow::Result<()> {
    const MADE: usize = 40;
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (url, mut fac) = with_facilitator(&server, "Order").await?;
    let mut ids = Vec::new();
    for n in 0..MADE {
        let text = format!("factor {n}");
        ids.push(fac.client.command(Command::AddFactor { id: ItemId(format!("f{n}")), text }).await?);
    }
    all_acked(&mut fac.client, &ids).await?;
    let (_, welcome) = Client::join(&url, Credentials::Viewer, None).await?;
    let ServerMsg::Welcome { room: state, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    let times: Vec<i64> =
        (0..MADE).map(|n| state.experience.factors[&ItemId(format!("f{n}"))].created_at).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "made in this order, at these times: {times:?}");
    Ok(())
}
