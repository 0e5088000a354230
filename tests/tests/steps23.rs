//! Steps 2 and 3 over real sockets: groups from presence, the edit lease with live typing,
//! highlights and common words for everyone, undo bookkeeping kept to its owner.

use horseshoe_protocol::{
    ClientMsg, Command, Credentials, ErrorCode, Event, GroupId, ItemId, MemberId, ServerMsg, TypingTarget,
};
use horseshoe_tests::http;
use horseshoe_tests::{Client, TestServer};

struct Person {
    client: Client,
    id: MemberId,
}

async fn join(url: &str, credentials: Credentials, name: &str) -> anyhow::Result<Person> {
    let (client, welcome) = Client::join(url, credentials, Some(name)).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    Ok(Person { client, id: you.member_id.expect("a member") })
}

/// A room with a facilitator, Ana and Cy in group 1, Bo in group 2.
async fn grouped_room(
    server: &TestServer,
) -> anyhow::Result<(Person, Person, Person, Person, GroupId, GroupId)> {
    let room = http::create_room(server.addr, r#"{"title": "Definitions"}"#).await?;
    let url = server.ws_url(&room.room_id);
    let mut fac =
        join(&url, Credentials::Facilitator { key: room.facilitator_key.clone(), token: None }, "Marta")
            .await?;
    let ana = join(&url, Credentials::Participant { token: None }, "Ana").await?;
    let bo = join(&url, Credentials::Participant { token: None }, "Bo").await?;
    let cy = join(&url, Credentials::Participant { token: None }, "Cy").await?;
    fac.client.wait_online(|online| online.len() == 4).await?;
    assert!(fac.client.run(Command::FormGroups).await?.is_ok());
    for (who, to) in [(ana.id, None), (bo.id, None)] {
        assert!(fac.client.run(Command::MoveToGroup { member_id: who, group: to }).await?.is_ok());
    }
    // Ana and Bo each opened a new group; Cy joins Ana's.
    let groups = fac
        .client
        .received
        .iter()
        .rev()
        .find_map(|m| match m {
            ServerMsg::Event { event: Event::GroupsChanged { groups }, .. } => Some(groups.clone()),
            _ => None,
        })
        .expect("groups");
    let of = |id: MemberId| groups.values().find(|g| g.members.contains(&id)).map(|g| g.id).expect("grouped");
    let (g_ana, g_bo) = (of(ana.id), of(bo.id));
    assert!(fac.client.run(Command::MoveToGroup { member_id: cy.id, group: Some(g_ana) }).await?.is_ok());
    Ok((fac, ana, bo, cy, g_ana, g_bo))
}

fn write(group: GroupId, text: &str) -> Command {
    Command::WriteDefinition { group, text: text.into(), release: false }
}

fn code(answer: Result<u64, ServerMsg>) -> Option<ErrorCode> {
    match answer {
        Err(ServerMsg::Reject { code, .. }) => Some(code),
        _ => None,
    }
}

#[tokio::test]
async fn the_lease_holders_typing_reaches_everyone_and_others_wait_their_turn() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (_fac, mut ana, mut bo, mut cy, g1, _g2) = grouped_room(&server).await?;

    assert!(ana.client.run(Command::LeaseDefinition { group: g1 }).await?.is_ok());
    let target = TypingTarget::Definition { group: g1 };
    let final_text = "Clients at the heart of every decision";
    for end in 1..=final_text.len() {
        let text = final_text[..end].to_owned();
        ana.client.send(&ClientMsg::Typing { target: target.clone(), text }).await?;
    }
    // Coalesced to about 30 a second, but the latest text always arrives, to both groups.
    for person in [&mut cy, &mut bo] {
        let mut previews = 0;
        person
            .client
            .wait_for(|m| match m {
                ServerMsg::Typing { text, member_id, .. } if *member_id == ana.id => {
                    previews += 1;
                    (text == final_text).then_some(())
                }
                _ => None,
            })
            .await?;
        assert!(previews <= final_text.len());
    }

    // Cy is refused while Ana holds the lease; typing without it is not relayed.
    let refused = cy.client.run(write(g1, "Cy's version")).await?;
    assert_eq!(code(refused.clone()), Some(ErrorCode::Conflict));
    let Err(ServerMsg::Reject { message, .. }) = refused else { unreachable!() };
    assert_eq!(message, "Ana is writing");
    cy.client.send(&ClientMsg::Typing { target: target.clone(), text: "sneaky".into() }).await?;
    assert!(ana.client.run(write(g1, final_text)).await?.is_ok());
    let seen = bo
        .client
        .wait_for(|m| match m {
            ServerMsg::Event { event: Event::DefinitionChanged { text, .. }, .. } => Some(text.clone()),
            _ => None,
        })
        .await?;
    assert_eq!(seen, final_text);
    assert!(
        !bo.client.received.iter().any(|m| matches!(m, ServerMsg::Typing { text, .. } if text == "sneaky"))
    );

    // Bo is in the other group: never allowed.
    assert_eq!(code(bo.client.run(write(g1, "x")).await?), Some(ErrorCode::Forbidden));

    // When Ana leaves, Cy takes over at once.
    drop(ana);
    cy.client.wait_online(|online| online.len() == 3).await?;
    assert!(cy.client.run(write(g1, "Clients first, always")).await?.is_ok());
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_cards_lease_holder_is_seen_typing_and_nobody_else_is() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (mut fac, mut ana, mut bo, mut cy, g1, _g2) = grouped_room(&server).await?;
    assert!(fac.client.run(Command::TeamsFromGroups).await?.is_ok());
    let id = ItemId("card-1".into());
    let add = Command::AddCard {
        id: id.clone(),
        team: g1,
        category: 2,
        column: horseshoe_protocol::Column::Failed,
        text: "We".into(),
    };
    assert!(ana.client.run(add).await?.is_ok());
    // The first write takes the lease; then the keystrokes go out live.
    let take = Command::WriteCard { id: id.clone(), text: "We lost".into(), release: false };
    assert!(ana.client.run(take).await?.is_ok());
    let target = TypingTarget::Card { id: id.clone() };
    let final_text = "We lost a client we never called back";
    for end in "We lost".len()..=final_text.len() {
        let text = final_text[..end].to_owned();
        ana.client.send(&ClientMsg::Typing { target: target.clone(), text }).await?;
    }
    for person in [&mut cy, &mut bo, &mut fac] {
        person
            .client
            .wait_for(|m| match m {
                ServerMsg::Typing { target: seen, text, member_id }
                    if *member_id == ana.id && *seen == target =>
                {
                    (text == final_text).then_some(())
                }
                _ => None,
            })
            .await?;
    }
    // Cy, without the lease, is not relayed; a later commit is.
    cy.client.send(&ClientMsg::Typing { target: target.clone(), text: "sneaky".into() }).await?;
    let done = Command::WriteCard { id: id.clone(), text: final_text.into(), release: true };
    assert!(ana.client.run(done).await?.is_ok());
    bo.client
        .wait_for(|m| match m {
            ServerMsg::Event { event: Event::CardSet { card }, .. } if card.text == final_text => Some(()),
            _ => None,
        })
        .await?;
    assert!(
        !bo.client.received.iter().any(|m| matches!(m, ServerMsg::Typing { text, .. } if text == "sneaky"))
    );
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn highlights_and_common_words_reach_everyone_and_undo_bookkeeping_stays_private() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let (mut fac, mut ana, mut bo, _cy, g1, g2) = grouped_room(&server).await?;
    assert!(ana.client.run(write(g1, "Listen to client needs")).await?.is_ok());
    assert!(bo.client.run(write(g2, "Design around client needs")).await?.is_ok());
    let add = Command::AddHighlight { id: ItemId("h1".into()), group: g1, start: 10, end: 22 };
    assert!(bo.client.run(add).await?.is_ok());

    let common = fac
        .client
        .wait_for(|m| match m {
            ServerMsg::Event { event: Event::CommonChanged { common }, .. }
                if common.iter().any(|t| t.highlights > 0) =>
            {
                Some(common.clone())
            }
            _ => None,
        })
        .await?;
    let term = common.iter().find(|t| t.term == "client needs").expect("a common phrase");
    assert_eq!((term.definitions, term.highlights), (2, 1));

    // Ana's undo entry is hers alone: the facilitator saw a placeholder with the same seq.
    let private_seqs: Vec<u64> = ana
        .client
        .received
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Event { seq, event: Event::UndoPushed { .. } } => Some(*seq),
            _ => None,
        })
        .collect();
    assert_eq!(private_seqs.len(), 1);
    let fac_saw = fac.client.received.iter().find_map(|m| match m {
        ServerMsg::Event { seq, event } if *seq == private_seqs[0] => Some(event.clone()),
        _ => None,
    });
    assert_eq!(fac_saw, Some(Event::Private));
    let foreign = |m: &ServerMsg| matches!(m, ServerMsg::Event { event: Event::UndoPushed { member_id, .. }, .. } if *member_id != fac.id);
    assert!(!fac.client.received.iter().any(foreign), "another member's undo entry leaked");

    // Ana undoes her edit: everyone sees the definition go back (to empty) and the highlight go.
    assert!(ana.client.run(Command::Undo).await?.is_ok());
    fac.client
        .wait_for(|m| {
            matches!(m, ServerMsg::Event { event: Event::DefinitionChanged { group, text, .. }, .. } if *group == g1 && text.is_empty())
                .then_some(())
        })
        .await?;
    server.stop().await?;
    Ok(())
}
