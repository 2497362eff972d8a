//! Caps on open live streams (Server-Sent Events): each holds a connection and a task for as
//! long as the client likes, so an unauthenticated client opening thousands would starve
//! everyone else. A stream takes a slot, per client address and in total, and gives it back
//! when it ends.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Streams one client address may hold open (a family's devices behind one router, a ward's
/// tablets): generous for people, small for a flood.
pub(crate) const PER_CLIENT: usize = 16;
/// Streams one instance holds open in all.
pub(crate) const TOTAL: usize = 4096;

#[derive(Debug)]
pub(crate) struct LiveSlots {
    per_client: usize,
    total: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

impl Default for LiveSlots {
    fn default() -> Self {
        Self::new(PER_CLIENT, TOTAL)
    }
}

impl LiveSlots {
    pub(crate) fn new(per_client: usize, total: usize) -> Self {
        Self {
            per_client,
            total,
            open: Mutex::new((0, HashMap::new())),
        }
    }

    /// A slot for one more stream from `client`, or `None` when it or the server is full.
    pub(crate) fn take(self: &Arc<Self>, client: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, by_client) = &mut *open;
        let mine = by_client.entry(client).or_insert(0);
        // This machine (the app and its embedded hospital) is held to the total only: a killed
        // app's streams stay open until the next keep-alive finds them gone, and an app
        // restarted often would otherwise lock itself out.
        let per_client = if client.is_loopback() {
            self.total
        } else {
            self.per_client
        };
        if *total >= self.total || *mine >= per_client {
            if *mine == 0 {
                by_client.remove(&client);
            }
            return None;
        }
        *mine += 1;
        *total += 1;
        Some(Slot {
            slots: self.clone(),
            client,
        })
    }
}

/// One open stream's place; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct Slot {
    slots: Arc<LiveSlots>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, by_client) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(mine) = by_client.get_mut(&self.client) {
            *mine -= 1;
            if *mine == 0 {
                by_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_client_and_in_total_and_freed_on_drop() {
        let slots = Arc::new(LiveSlots::new(2, 3));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let here: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        let a1 = slots.take(a).unwrap();
        let _a2 = slots.take(a).unwrap();
        assert!(slots.take(a).is_none(), "per client");
        let _b1 = slots.take(b).unwrap();
        assert!(slots.take(c).is_none(), "in total");
        drop(a1);
        assert!(slots.take(c).is_some(), "freed when a stream ends");
        assert!(
            slots.open.lock().unwrap().1.len() <= 3,
            "no entry outlives its streams"
        );
        let loose = Arc::new(LiveSlots::new(1, 3));
        let _h1 = loose.take(here).unwrap();
        let _h2 = loose.take(here).unwrap();
        assert!(loose.take(here).is_some(), "this machine: the total only");
    }
}
