//! Who gets into a room: people who joined and left without doing anything do not fill it, new
//! members are limited per address, the facilitator key always gets in, and a closed room is
//! shown read-only to everyone else, saying so.

use horseshoe::Config;
use horseshoe::secret;
use horseshoe::store::{Backend, DB_FILE, RoomRecord, Sqlite};
use horseshoe_protocol::limits::{MAX_MEMBER_RECORDS, MAX_MEMBERS};
use horseshoe_protocol::{
    Command, Credentials, ErrorCode, Member, MemberId, MemberRole, Role, RoomId, RoomState, ServerMsg,
    Settings,
};
use horseshoe_tests::{Client, TestServer, http};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

/// A room written straight into the store, its members made by `fill`; returns its id and key.
fn stored_room(dir: &std::path::Path, fill: impl FnOnce(&mut RoomState)) -> anyhow::Result<(String, String)> {
    let mut backend = Sqlite::open(&dir.join(DB_FILE))?;
    let id = secret::random_hex(secret::ROOM_ID_BYTES)?;
    let key = secret::random_hex(secret::SECRET_BYTES)?;
    let room_id = RoomId::parse(&id).expect("a room id");
    let mut state = RoomState::new(room_id.clone(), Settings::default(), 0);
    fill(&mut state);
    backend.create_room(&RoomRecord { id: room_id, facilitator_key_hash: secret::hash(&key) }, &state)?;
    Ok((id, key))
}

/// Adds `count` members of `role`, made before anyone who joins over the socket.
fn members(state: &mut RoomState, count: usize, role: MemberRole) -> Vec<MemberId> {
    let first = state.members.len() as u128;
    (0..count as u128)
        .map(|n| {
            let id = MemberId(uuid::Uuid::from_u128(first + n + 1));
            let member = Member { id, name: format!("m{}", first + n), role, joined_at: (first + n) as i64 };
            state.members.insert(id, member);
            id
        })
        .collect()
}

fn welcome(first: &ServerMsg) -> anyhow::Result<(Role, Option<MemberId>, Option<String>, bool)> {
    match first {
        ServerMsg::Welcome { you, room, .. } => Ok((you.role, you.member_id, you.token.clone(), room.closed)),
        other => anyhow::bail!("no welcome: {other:?}"),
    }
}

fn refused_with(first: &ServerMsg, code: ErrorCode) -> bool {
    matches!(first, ServerMsg::Error { code: c, .. } if *c == code)
}

fn close_code(frame: Option<CloseFrame>) -> Option<u16> {
    frame.map(|f| u16::from(f.code))
}

const NEWCOMER: Credentials = Credentials::Participant { token: None };

#[tokio::test]
async fn people_who_came_and_went_do_not_fill_a_room_and_the_key_always_gets_in() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // As after thousands of join-then-leave cycles with the public link.
    let (ghosts, _) = stored_room(dir.path(), |state| {
        members(state, MAX_MEMBERS, MemberRole::Participant);
    })?;
    // Full for real: every place held by someone who contributed.
    let (busy, busy_key) = stored_room(dir.path(), |state| {
        for id in members(state, MAX_MEMBERS, MemberRole::Participant) {
            state.contributions.insert(id, 1);
        }
    })?;
    // No record left at all: even the key holder cannot be a new member.
    let (crowded, crowded_key) = stored_room(dir.path(), |state| {
        members(state, 1, MemberRole::Facilitator);
        members(state, MAX_MEMBER_RECORDS - 1, MemberRole::Participant);
    })?;
    let config = Config { new_member_burst: 100, ..Config::for_data_dir(dir.path()) };
    let server = TestServer::start_with(config).await?;

    let (_cy, first) = Client::join(&server.ws_url(&ghosts), NEWCOMER, Some("Cy")).await?;
    assert_eq!(welcome(&first)?.0, Role::Participant, "a room of ghosts refused a newcomer");

    let (mut late, first) = Client::join(&server.ws_url(&busy), NEWCOMER, Some("Late")).await?;
    assert!(refused_with(&first, ErrorCode::LimitReached), "{first:?}");
    assert_eq!(close_code(late.closed().await?), Some(1008));
    let key = Credentials::Facilitator { key: busy_key, token: None };
    let (_fac, first) = Client::join(&server.ws_url(&busy), key, Some("Fay")).await?;
    assert_eq!(welcome(&first)?.0, Role::Facilitator, "the key holder was kept out of a full room");

    let (_late, first) = Client::join(&server.ws_url(&crowded), NEWCOMER, Some("Late")).await?;
    assert!(refused_with(&first, ErrorCode::LimitReached), "{first:?}");
    let key = Credentials::Facilitator { key: crowded_key.clone(), token: None };
    let (_fac, first) = Client::join(&server.ws_url(&crowded), key, None).await?;
    let (role, member, token, _) = welcome(&first)?;
    assert_eq!(role, Role::Facilitator);
    assert_eq!(member, Some(MemberId(uuid::Uuid::from_u128(1))), "in as the room's first facilitator");
    let key = Credentials::Facilitator { key: crowded_key, token };
    let (_again, first) = Client::join(&server.ws_url(&crowded), key, None).await?;
    assert_eq!(welcome(&first)?.1, member, "the token brings back the same person");
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn new_members_are_limited_per_address_but_returning_members_and_the_key_are_not() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let config = Config { new_member_burst: 2, new_members_per_hour: 1, ..Config::for_data_dir(dir.path()) };
    let server = TestServer::start_with(config).await?;
    let room = http::create_room(server.addr, "{}").await?;
    let url = server.ws_url(&room.room_id);

    let (ana, first) = Client::join(&url, NEWCOMER, Some("Ana")).await?;
    let (_, _, ana_token, _) = welcome(&first)?;
    drop(ana);
    let (_bo, first) = Client::join(&url, NEWCOMER, Some("Bo")).await?;
    welcome(&first)?;
    let (mut cy, first) = Client::join(&url, NEWCOMER, Some("Cy")).await?;
    assert!(refused_with(&first, ErrorCode::RateLimited), "{first:?}");
    assert_eq!(close_code(cy.closed().await?), Some(1013), "a client tries again later");

    let (_ana, first) = Client::join(&url, Credentials::Participant { token: ana_token }, None).await?;
    assert_eq!(welcome(&first)?.0, Role::Participant);
    let key = Credentials::Facilitator { key: room.facilitator_key.clone(), token: None };
    let (_fac, first) = Client::join(&url, key, None).await?;
    assert_eq!(welcome(&first)?.0, Role::Facilitator);
    let (_wall, first) = Client::join(&url, Credentials::Viewer, None).await?;
    assert_eq!(welcome(&first)?.0, Role::Viewer);
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_closed_room_lets_the_key_in_to_reopen_it_and_tells_newcomers_they_can_only_read()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let room = http::create_room(server.addr, "{}").await?;
    let url = server.ws_url(&room.room_id);
    let key = || Credentials::Facilitator { key: room.facilitator_key.clone(), token: None };

    let (mut fac, _) = Client::join(&url, key(), Some("Marta")).await?;
    let (ana, first) = Client::join(&url, NEWCOMER, Some("Ana")).await?;
    let (_, _, ana_token, _) = welcome(&first)?;
    drop(ana);
    assert!(fac.run(Command::CloseRoom { closed: true }).await?.is_ok());
    drop(fac);

    // The facilitator on another device: a facilitator, who can reopen the room.
    let (mut other_device, first) = Client::join(&url, key(), Some("Marta")).await?;
    let (role, _, _, closed) = welcome(&first)?;
    assert_eq!((role, closed), (Role::Facilitator, true));
    assert!(other_device.run(Command::CloseRoom { closed: false }).await?.is_ok(), "could not reopen");
    assert!(other_device.run(Command::CloseRoom { closed: true }).await?.is_ok());

    // A participant who was there comes back as themself, and the room says it is closed.
    let (mut ana, first) = Client::join(&url, Credentials::Participant { token: ana_token }, None).await?;
    assert_eq!(welcome(&first)?.0, Role::Participant);
    let refused = ana.run(Command::Rename { name: "Ana M.".into() }).await?;
    assert!(matches!(refused, Err(ServerMsg::Reject { code: ErrorCode::Conflict, .. })), "{refused:?}");

    // Someone new is told they cannot join, then sees the room as a wall display does.
    let (mut cy, first) = Client::join(&url, NEWCOMER, Some("Cy")).await?;
    match &first {
        ServerMsg::Error { code: ErrorCode::Conflict, message } => {
            assert!(message.contains("closed"), "{message}")
        }
        other => anyhow::bail!("a newcomer was not told the room is closed: {other:?}"),
    }
    let (role, member, _, closed) = welcome(&cy.recv().await?)?;
    assert_eq!((role, member, closed), (Role::Viewer, None, true));
    let (_wall, first) = Client::join(&url, Credentials::Viewer, None).await?;
    assert!(welcome(&first)?.3, "the wall display is not told the room is closed");
    server.stop().await?;
    Ok(())
}
