//! The fetches waiting on the brokers (DelayedFetch): at most one per (broker, client), each in a slot of
//! its own, so that parking, finding and waking one takes no search and no shift. A client is a number
//! from 0 (a follower's broker id, a member's or an engine's number); a broker's fetches are visited in
//! client order.

use super::ids::{BrokerId, FetchPosition};
use crate::queue::Timer;

/// A fetch waiting on the broker for data or for its maximum wait (fetch.min.bytes = 1).
pub(super) struct ParkedFetch {
    pub park: u64,
    pub epoch: u32,
    pub offsets: Vec<FetchPosition>,
    /// The expiry, cancelled when data answers the fetch first: most long polls end that way.
    pub expiry: Timer,
}

#[derive(Default)]
pub(super) struct Parked {
    /// `slots[broker][client]`, grown on first use.
    slots: Vec<Vec<Option<ParkedFetch>>>,
}

impl Parked {
    /// Parks `client`'s fetch on `broker`, in place of any it had there.
    pub fn insert(&mut self, broker: BrokerId, client: usize, fetch: ParkedFetch) {
        if self.slots.len() <= broker.index() {
            self.slots.resize_with(broker.index() + 1, Vec::new);
        }
        let row = &mut self.slots[broker.index()];
        if row.len() <= client {
            row.resize_with(client + 1, || None);
        }
        row[client] = Some(fetch);
    }

    pub fn get(&self, broker: BrokerId, client: usize) -> Option<&ParkedFetch> {
        self.slots.get(broker.index())?.get(client)?.as_ref()
    }

    pub fn remove(&mut self, broker: BrokerId, client: usize) -> Option<ParkedFetch> {
        self.slots.get_mut(broker.index())?.get_mut(client)?.take()
    }

    /// How many client numbers `broker` has a slot for: every client with a fetch waiting there is below.
    pub fn clients(&self, broker: BrokerId) -> usize {
        self.slots.get(broker.index()).map_or(0, Vec::len)
    }

    /// Drops the fetches `keep` says no to.
    pub fn retain(&mut self, mut keep: impl FnMut(BrokerId, usize) -> bool) {
        for (b, row) in BrokerId::all(self.slots.len()).zip(&mut self.slots) {
            for (c, slot) in row.iter_mut().enumerate() {
                if slot.is_some() && !keep(b, c) {
                    *slot = None;
                }
            }
        }
    }

    /// The (broker, client) pairs with a fetch waiting, in order.
    #[cfg(test)]
    pub fn keys(&self) -> impl Iterator<Item = (BrokerId, usize)> + '_ {
        (BrokerId::all(self.slots.len()).zip(&self.slots))
            .flat_map(|(b, row)| row.iter().enumerate().filter(|(_, s)| s.is_some()).map(move |(c, _)| (b, c)))
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.keys().count()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::env::Event;
    use crate::kafka::testkit::{B0, B1, from, ms};
    use crate::queue::EventQueue;

    fn fetch(park: u64) -> ParkedFetch {
        let expiry = EventQueue::new().push(ms(500), Event::Tick);
        ParkedFetch { park, epoch: 0, offsets: from(0), expiry }
    }

    #[test]
    fn one_fetch_per_broker_and_client_listed_in_order() {
        let mut parked = Parked::default();
        parked.insert(B1, 0, fetch(0));
        parked.insert(B0, 3, fetch(1));
        parked.insert(B0, 1, fetch(2));
        parked.insert(B0, 3, fetch(3));
        assert_eq!(parked.keys().collect::<Vec<_>>(), vec![(B0, 1), (B0, 3), (B1, 0)]);
        assert_eq!(parked.get(B0, 3).map(|f| f.park), Some(3), "the later fetch took the client's place");
        assert_eq!((parked.clients(B0), parked.clients(B1), parked.clients(BrokerId(7))), (4, 1, 0));
        assert_eq!(parked.remove(B0, 1).map(|f| f.park), Some(2));
        assert!(parked.remove(B0, 1).is_none() && parked.remove(BrokerId(7), 0).is_none());
        parked.retain(|b, _| b != B0);
        assert_eq!(parked.keys().collect::<Vec<_>>(), vec![(B1, 0)]);
    }
}
