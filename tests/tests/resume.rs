//! A client that reconnects with the last `seq` it saw gets only the changes it missed (with
//! what only it may see of them, and nothing of others' private parts), or a fresh snapshot
//! when the server no longer holds them all.

use horseshoe_protocol::{Command, Credentials, Event, ServerMsg};
use horseshoe_tests::http;
use horseshoe_tests::{Client, TestServer, change_seq, events_of};

fn seqs(msgs: &[ServerMsg]) -> Vec<u64> {
    msgs.iter().filter_map(change_seq).collect()
}

#[tokio::test]
async fn a_reconnect_gets_exactly_the_missed_events_or_a_fresh_snapshot() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let room = http::create_room(server.addr, "{}").await?;
    let url = server.ws_url(&room.room_id);
    let fac_credentials = Credentials::Facilitator { key: room.facilitator_key.clone(), token: None };
    let (mut fac, _) = Client::join(&url, fac_credentials, Some("Marta")).await?;
    let (ana, welcome) = Client::join(&url, Credentials::Participant { token: None }, Some("Ana")).await?;
    let ServerMsg::Welcome { you, room: state, .. } = welcome else { anyhow::bail!("no welcome") };
    let token = you.token.clone();
    let seen = state.seq;
    drop(ana);

    // While Ana is away: public events, and one of the facilitator's private undo entries.
    fac.run(Command::SetStep { step: 2 }).await?.map_err(|r| anyhow::anyhow!("{r:?}"))?;
    fac.run(Command::FormGroups).await?.ok();
    let last = fac
        .run(Command::AddFactor { id: horseshoe_protocol::ItemId("f".into()), text: "speed".into() })
        .await?;
    let last = last.map_err(|r| anyhow::anyhow!("{r:?}"))?;

    let credentials = Credentials::Participant { token: token.clone() };
    let (mut back, first) = Client::rejoin(&url, credentials, None, Some(seen)).await?;
    let ServerMsg::Resume { last_seq, you, .. } = first else {
        anyhow::bail!("expected resume, got {first:?}")
    };
    assert_eq!((last_seq, you.member_id.is_some(), you.token), (seen, true, None));
    while seqs(&back.received).last().copied() != Some(last) {
        back.recv().await?;
    }
    let missed = seqs(&back.received);
    assert_eq!(missed, ((seen + 1)..=last).collect::<Vec<_>>(), "every missed event, once, in order");
    let events: Vec<&Event> = back.received.iter().flat_map(events_of).collect();
    assert!(events.iter().any(|e| matches!(e, Event::StepChanged { step: 2 })));
    assert!(
        !events.iter().any(|e| matches!(e, Event::HistoryRecorded { .. })),
        "the facilitator's undo entries stay theirs"
    );

    // Ahead of the room (another server's numbering): a snapshot, not a resume.
    let credentials = Credentials::Participant { token: token.clone() };
    let (_c, first) = Client::rejoin(&url, credentials, None, Some(last + 100)).await?;
    assert!(matches!(first, ServerMsg::Welcome { .. }), "{first:?}");

    // Far behind, past what the server keeps: a snapshot. Many people renaming themselves
    // (each within their own rate limit) push the window past Ana's last seq.
    let per_client = horseshoe::admission::COMMAND_BURST as usize - 5;
    let mut crowd = Vec::new();
    for n in 0..(horseshoe::ring::RESUME_CHANGES / per_client + 2) {
        let (mut c, _) =
            Client::join(&url, Credentials::Participant { token: None }, Some(&format!("p{n}"))).await?;
        for k in 0..per_client {
            c.command(Command::Rename { name: format!("p{n}-{k}") }).await?;
        }
        crowd.push(c);
    }
    for c in &mut crowd {
        let last_id = per_client as u64;
        c.wait_for(|m| matches!(m, ServerMsg::Ack { id, .. } if id.0 == last_id).then_some(())).await?;
    }
    let credentials = Credentials::Participant { token };
    let (_c, first) = Client::rejoin(&url, credentials, None, Some(seen)).await?;
    assert!(matches!(first, ServerMsg::Welcome { .. }), "too far behind must get a snapshot");
    server.stop().await?;
    Ok(())
}
