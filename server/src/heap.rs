//! Giving the system back the memory the server has freed.
//!
//! glibc's allocator returns freed memory from the top of its heap only: what a burst freed
//! between allocations that live on (10,000 joins leave their welcome frames and handshake
//! buffers freed among the connections' own state) stays resident although nothing uses it,
//! about 0.5 KiB per idle participant. Once the server has gone quiet it asks glibc for those
//! pages back (`malloc_trim`), as uWebSockets frees a socket's buffers while it is idle; a busy
//! server never goes quiet and keeps its free memory for reuse. The store does the same after it
//! gives SQLite's page cache back (`store::STORE_IDLE`).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often the server looks whether it has gone quiet.
pub const QUIET_CHECK: Duration = Duration::from_secs(1);

/// When to give memory back, from a count of what the server does (frames in and out,
/// connections open): once, at the first look that finds nothing changed since a busy one.
#[derive(Debug, Default)]
pub struct Quiet {
    last: u64,
    busy: bool,
}

impl Quiet {
    /// Whether to release now, given the count at this look.
    pub fn release_now(&mut self, activity: u64) -> bool {
        let moved = activity != self.last;
        self.last = activity;
        if moved {
            self.busy = true;
            return false;
        }
        std::mem::take(&mut self.busy)
    }
}

/// Looks every [`QUIET_CHECK`] and releases once each time the server goes quiet, until
/// `shutdown`.
pub async fn release_when_quiet(activity: impl Fn() -> u64, shutdown: CancellationToken) {
    let mut quiet = Quiet::default();
    let mut every = tokio::time::interval(QUIET_CHECK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = every.tick() => {}
        }
        if quiet.release_now(activity()) {
            // It walks and locks each arena in turn: not on a thread that runs connections.
            let started = std::time::Instant::now();
            let _ = tokio::task::spawn_blocking(release).await;
            tracing::debug!(took = ?started.elapsed(), "gave freed memory back");
        }
    }
}

/// Asks the allocator to return the pages it holds free. Nothing where the allocator is not
/// glibc's (the others return memory themselves or have no such call).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release() {
    // SAFETY: `malloc_trim` takes no pointers and touches only glibc's own free lists, under
    // each arena's lock; any thread may call it at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_once_when_a_busy_server_goes_quiet_and_never_while_busy() {
        let mut quiet = Quiet::default();
        assert!(!quiet.release_now(0), "a server that never did anything has nothing to give back");
        assert!(!quiet.release_now(5), "busy");
        assert!(!quiet.release_now(9), "still busy");
        assert!(quiet.release_now(9), "quiet after being busy: release");
        assert!(!quiet.release_now(9), "once, not at every look");
        assert!(!quiet.release_now(12));
        assert!(quiet.release_now(12), "again after the next burst");
    }

    /// This process's resident memory in KiB (Linux).
    fn resident_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or_default();
        line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn memory_freed_between_live_allocations_goes_back_to_the_system() {
        // 64 MiB in 16 KiB blocks, each followed by a small one that lives on, as a burst of
        // joins leaves its frames among the connections' state.
        let (mut freed, mut kept) = (Vec::new(), Vec::new());
        for i in 0..4096u32 {
            freed.push(vec![1u8; 16 * 1024]);
            kept.push(vec![(i % 251) as u8; 64]);
        }
        drop(freed);
        let before = resident_kib();
        release();
        let after = resident_kib();
        assert!(before.saturating_sub(after) > 32 * 1024, "resident {before} KiB -> {after} KiB");
        let intact = kept.iter().enumerate().all(|(i, v)| v.iter().all(|b| u32::from(*b) == i as u32 % 251));
        assert!(intact, "what lives on is untouched");
    }
}
