//! The recent changes of a room, as the frames that were sent, so that a client that reconnects
//! with the last `seq` it saw gets only what it missed instead of a whole snapshot.

use std::collections::VecDeque;

use horseshoe_protocol::MemberId;

use crate::room::Frame;

/// Changes kept for resuming: a few minutes of a busy workshop.
pub const RESUME_CHANGES: usize = 2048;
/// Bytes of frames kept for resuming, whatever their count: about a minute of a busy room's
/// moves, so that a wifi hiccup resumes; a longer absence gets a snapshot. Every loaded room
/// holds up to this much, so it is kept small.
pub const RESUME_BYTES: usize = 256 * 1024;

struct Entry {
    seq: u64,
    /// What everyone receives.
    all: Frame,
    /// Members who see more of this change (their own undo entry, hidden post-it, vote), each
    /// with their own frame.
    own: Vec<(MemberId, Frame)>,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.all.len() + self.own.iter().map(|(_, f)| f.len()).sum::<usize>()
    }
}

#[derive(Default)]
pub struct Ring {
    entries: VecDeque<Entry>,
    bytes: usize,
}

impl Ring {
    pub fn push(&mut self, seq: u64, all: Frame, own: Vec<(MemberId, Frame)>) {
        let entry = Entry { seq, all, own };
        self.bytes += entry.bytes();
        self.entries.push_back(entry);
        while self.entries.len() > RESUME_CHANGES || self.bytes > RESUME_BYTES {
            let Some(old) = self.entries.pop_front() else { break };
            self.bytes -= old.bytes();
        }
    }

    /// Drops the frames of changes after `seq`: they were decided but never stored.
    pub fn forget_after(&mut self, seq: u64) {
        while self.entries.back().is_some_and(|entry| entry.seq > seq) {
            if let Some(old) = self.entries.pop_back() {
                self.bytes -= old.bytes();
            }
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }

    /// The frames after `after` up to and including `upto`, as `member` should receive them;
    /// `None` if the ring no longer reaches back that far.
    pub fn since(&self, after: u64, upto: u64, member: Option<MemberId>) -> Option<Vec<Frame>> {
        if after == upto {
            return Some(Vec::new());
        }
        let first = self.entries.front()?.seq;
        if after + 1 < first || after > upto {
            return None;
        }
        let frames = self
            .entries
            .iter()
            .filter(|e| e.seq > after && e.seq <= upto)
            .map(|e| match e.own.iter().find(|(owner, _)| Some(*owner) == member) {
                Some((_, frame)) => frame.clone(),
                None => e.all.clone(),
            })
            .collect();
        Some(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(s: &str) -> Frame {
        Frame::from(s.to_owned())
    }

    #[test]
    fn resumes_only_within_the_window_with_private_frames_for_their_owner() {
        let owner = MemberId(uuid::Uuid::from_u128(1));
        let mut ring = Ring::default();
        ring.push(5, frame("e5"), vec![]);
        ring.push(6, frame("public6"), vec![(owner, frame("mine6"))]);
        ring.push(7, frame("e7"), vec![]);
        let texts =
            |v: Option<Vec<Frame>>| v.map(|f| f.iter().map(|x| x.as_str().to_owned()).collect::<Vec<_>>());
        assert_eq!(texts(ring.since(4, 7, None)), Some(vec!["e5".into(), "public6".into(), "e7".into()]));
        assert_eq!(texts(ring.since(5, 7, Some(owner))), Some(vec!["mine6".into(), "e7".into()]));
        assert_eq!(texts(ring.since(6, 6, None)), Some(vec![]));
        assert_eq!(ring.since(3, 7, None), None, "seq 4 is gone");
        assert_eq!(ring.since(9, 7, None), None, "ahead of the room: a fresh snapshot");
    }

    #[test]
    fn frames_of_changes_never_stored_are_forgotten() {
        let mut ring = Ring::default();
        for seq in 1..=5 {
            ring.push(seq, frame("x"), vec![]);
        }
        ring.forget_after(3);
        assert_eq!(ring.since(0, 3, None).map(|f| f.len()), Some(3));
        assert_eq!(ring.bytes, 3);
        ring.push(4, frame("y"), vec![]);
        assert_eq!(ring.since(3, 4, None).map(|f| f.len()), Some(1));
    }

    #[test]
    fn the_window_is_bounded_in_count_and_bytes() {
        let mut ring = Ring::default();
        for seq in 1..=(RESUME_CHANGES as u64 + 10) {
            ring.push(seq, frame("x"), vec![]);
        }
        assert_eq!(ring.entries.len(), RESUME_CHANGES);
        let big = "y".repeat(RESUME_BYTES / 4);
        for seq in 5000..5010 {
            ring.push(seq, frame(&big), vec![]);
        }
        assert!(ring.bytes <= RESUME_BYTES);
    }
}
