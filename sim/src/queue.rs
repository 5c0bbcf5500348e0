//! The event queue: ordered by (time, insertion sequence), so that events scheduled for the same instant
//! run in the order they were scheduled, on every machine.
//!
//! The heap holds only the 24-byte keys (time, sequence, slot); the events wait in a slab of slots, so a
//! push or pop moves small entries however large an event is. Every slot knows where its key sits in the
//! heap, so a timer that became obsolete can be taken out (`cancel`) instead of firing for nothing.
//!
//! Events due at the instant being processed (a message over a link without delay, an append without
//! disk time) skip the heap: they wait in a FIFO lane. Every key in the heap for that instant was pushed
//! before the clock reached it, so it precedes the whole lane, and the lane is in push order: popping the
//! heap's keys for the instant first, then the lane, is exactly the (time, sequence) order.
//!
//! Consecutive pushes for the same future time (records flushed together from a network buffer) share
//! one key: they are a chain of slots behind it, adjacent in sequence, so they pop in push order with no
//! other key between them.
//!
//! The first event due now, pushed when nothing else is due now (a message without delay, as a chain of
//! them: a produce request, its append, its answer), waits in a single hand-off place instead: it is the
//! next event in (time, sequence) order for as long as no event into the past is pushed, and the world
//! takes it straight after the event that caused it (`pop_handoff`), with no slot, lane or heap work.
//!
//! Events of a few recurring sources (each producer's next arrival: one pending per producer, popped and
//! pushed again for every record) wait in a short list beside the heap instead, its earliest marked. Their
//! keys come from the same sequence, and a pop takes the earlier of the list's earliest and the heap's
//! root: the same (time, sequence) order, without a sift through the heap for every record. The list holds
//! a key and the source's number, not the event: the event is made from the number when it pops
//! (`Recurring`), or the caller takes the number itself (`pop_recurring`), for moving a 64-byte event in
//! and out for every record cost more than the sift it saves.
//!
//! A pop leaves its key's place at the root empty until the next push or pop: a handler that schedules
//! a follow-up (the next arrival, the next poll) puts it straight at the root, one sift down instead of a
//! sift down and a sift up.

use crate::time::SimTime;
use std::collections::VecDeque;

#[derive(Clone, Copy)]
struct Key {
    time: SimTime,
    seq: u64,
    /// The slot of its event; for a recurring event, its source's number.
    slot: u32,
}

impl Key {
    /// (time, sequence) as one number: comparing two takes no branch.
    fn order(&self) -> u128 {
        (u128::from(self.time.0) << 64) | u128::from(self.seq)
    }

    fn before(&self, other: &Key) -> bool {
        self.order() < other.order()
    }
}

struct Slot<E> {
    event: Option<E>,
    /// Where the slot's key is in the heap (`IN_LANE` for the lane, `IN_CHAIN` behind another slot), while
    /// it holds an event.
    pos: u32,
    /// The next slot of its key's chain (`NONE` for the last).
    next: u32,
    /// Bumped each time the slot is freed, so that a stale `Timer` cancels nothing.
    generation: u32,
}

/// The `pos` of a slot waiting in the lane.
const IN_LANE: u32 = u32::MAX;
/// The `pos` of a slot in a chain, behind its key's first slot.
const IN_CHAIN: u32 = u32::MAX - 1;
/// No slot.
const NONE: u32 = u32::MAX;
/// The `slot` of a `Timer` for the hand-off.
const HANDOFF: u32 = u32::MAX;

/// Recurring events waiting beside the heap, at most: beyond, they take the heap like any other, so that
/// a scenario with thousands of producers does not shift long lists.
const MAX_RECURRING: usize = 32;

/// A pushed event, for `cancel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    slot: u32,
    generation: u32,
}

/// A priority queue of future events. `seq` is unique per push, so the order is total.
pub struct EventQueue<E> {
    heap: Vec<Key>,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    next_seq: u64,
    /// The time of the last pop: the instant being processed.
    now: SimTime,
    /// Slots of the events pushed for `now`, in push order; a cancelled one stays until popped.
    lane: VecDeque<u32>,
    /// Events in the lane not cancelled.
    lane_live: usize,
    /// Events that went through the lane, never the heap.
    lane_pops: u64,
    /// `heap[0]` is the key of an event already popped: the next push takes its place.
    hole: bool,
    /// The time, slot and generation of the last push into the heap: a push for the same time joins it.
    tail: Option<(SimTime, u32, u32)>,
    /// Events in chains behind their key's first slot, not cancelled.
    chained: usize,
    /// The event due now that precedes every other (see the module comment).
    handoff: Option<E>,
    /// Bumped each time the hand-off is taken, so that a stale `Timer` cancels nothing.
    handoff_generation: u32,
    /// Keys of recurring events (`push_recurring`), in no order, and the index of the earliest.
    recurring: Vec<Key>,
    recurring_first: usize,
}

/// Events that recurring sources push (`EventQueue::push_recurring`): the event of source `source`.
pub trait Recurring {
    fn of_source(source: u32) -> Self;
}

impl<E: Recurring> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Recurring> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: Vec::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            now: SimTime::ZERO,
            lane: VecDeque::new(),
            lane_live: 0,
            lane_pops: 0,
            hole: false,
            tail: None,
            chained: 0,
            handoff: None,
            handoff_generation: 0,
            recurring: Vec::new(),
            recurring_first: 0,
        }
    }

    /// Nothing is due at or before the instant being processed.
    fn idle_now(&self) -> bool {
        self.handoff.is_none() && self.lane_live == 0 && self.top().is_none_or(|k| k.time > self.now)
    }

    pub fn push(&mut self, time: SimTime, event: E) -> Timer {
        if time == self.now {
            if self.idle_now() {
                self.handoff = Some(event);
                return Timer { slot: HANDOFF, generation: self.handoff_generation };
            }
            let slot = self.occupy(event, IN_LANE);
            self.lane.push_back(slot);
            self.lane_live += 1;
            return Timer { slot, generation: self.slots[slot as usize].generation };
        }
        let slot = match self.tail {
            Some((t, last, generation)) if t == time && self.slots[last as usize].generation == generation => {
                let slot = self.occupy(event, IN_CHAIN);
                self.slots[last as usize].next = slot;
                self.chained += 1;
                slot
            }
            _ => self.push_key(time, event),
        };
        let generation = self.slots[slot as usize].generation;
        self.tail = Some((time, slot, generation));
        Timer { slot, generation }
    }

    /// Pushes the next event of recurring source `source` (a producer's next arrival): for a later
    /// instant it waits beside the heap (see the module comment). It cannot be cancelled.
    pub fn push_recurring(&mut self, time: SimTime, source: u32) {
        if time == self.now || self.recurring.len() >= MAX_RECURRING {
            self.push(time, E::of_source(source));
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        // A later push for `time` comes after this event: it may not join a chain that precedes it.
        self.tail = None;
        // Its sequence is the latest: it is the earliest only if its time is earlier.
        if self.recurring.get(self.recurring_first).is_none_or(|k| time < k.time) {
            self.recurring_first = self.recurring.len();
        }
        self.recurring.push(Key { time, seq, slot: source });
    }

    /// A new key for `event` in the heap; returns its slot.
    fn push_key(&mut self, time: SimTime, event: E) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.hole {
            self.hole = false;
            let slot = self.occupy(event, 0);
            self.heap[0] = Key { time, seq, slot };
            self.sift_down(0);
            return slot;
        }
        let pos = self.heap.len() as u32;
        let slot = self.occupy(event, pos);
        self.heap.push(Key { time, seq, slot });
        self.sift_up(pos as usize);
        slot
    }

    /// The first slot from `s` on along a chain that holds an event; cancelled ones on the way are freed.
    fn first_live(&mut self, mut s: u32) -> u32 {
        while s != NONE && self.slots[s as usize].event.is_none() {
            self.free.push(s);
            s = self.slots[s as usize].next;
        }
        s
    }

    /// The key at `pos` loses its first slot: the chain's next live slot takes its place, or the key goes.
    /// Returns whether the key stays.
    fn advance_chain(&mut self, pos: usize) -> bool {
        let next = self.slots[self.heap[pos].slot as usize].next;
        let next = self.first_live(next);
        if next == NONE {
            return false;
        }
        self.chained -= 1;
        self.place(pos, Key { slot: next, ..self.heap[pos] });
        true
    }

    /// A free slot holding `event`.
    fn occupy(&mut self, event: E, pos: u32) -> u32 {
        match self.free.pop() {
            Some(s) => {
                let slot = &mut self.slots[s as usize];
                slot.event = Some(event);
                slot.pos = pos;
                slot.next = NONE;
                s
            }
            None => {
                self.slots.push(Slot { event: Some(event), pos, next: NONE, generation: 0 });
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The earliest key, in the heap or among the recurring events.
    fn top(&self) -> Option<&Key> {
        let recurring = self.recurring.get(self.recurring_first);
        match (self.heap_top(), recurring) {
            (Some(h), Some(r)) if r.before(h) => Some(r),
            (h, r) => h.or(r),
        }
    }

    /// The earliest key in the heap: the root, or with a hole there, the earlier of its children.
    fn heap_top(&self) -> Option<&Key> {
        if !self.hole {
            return self.heap.first();
        }
        match (self.heap.get(1), self.heap.get(2)) {
            (Some(a), Some(b)) if b.before(a) => Some(b),
            (a, _) => a,
        }
    }

    /// Moves the last key into the hole at the root, if there is one.
    fn fill_hole(&mut self) {
        if self.hole {
            self.hole = false;
            self.remove_at(0);
        }
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let heap = self.top().map(|k| k.time);
        if self.lane_live == 0 && self.handoff.is_none() {
            heap
        } else {
            Some(heap.map_or(self.now, |t| t.min(self.now)))
        }
    }

    /// An event pushed now for `time` would be the hand-off, taken straight after the handler that pushes
    /// it if that handler pushes nothing more: the handler may as well do its work itself.
    pub fn would_hand_off(&self, time: SimTime) -> bool {
        time == self.now && self.idle_now()
    }

    /// The hand-off, if it is the next event: the event a handler just scheduled for now, with nothing
    /// due before it.
    pub fn pop_handoff(&mut self) -> Option<E> {
        if self.handoff.is_none() || self.top().is_some_and(|k| k.time <= self.now) {
            return None;
        }
        self.handoff_generation = self.handoff_generation.wrapping_add(1);
        self.handoff.take()
    }

    /// The next event if it is a recurring source's: its time and the source's number, for a caller that
    /// handles the source's event without making it.
    pub fn pop_recurring(&mut self) -> Option<(SimTime, u32)> {
        let r = *self.recurring.get(self.recurring_first)?;
        // Keys due now were pushed before the clock reached now: they precede the hand-off and the lane.
        let next = self.heap_top().is_none_or(|h| r.before(h))
            && (r.time <= self.now || (self.handoff.is_none() && self.lane_live == 0));
        if !next {
            return None;
        }
        self.recurring.swap_remove(self.recurring_first);
        let mut first = (0, u128::MAX);
        for (i, k) in self.recurring.iter().enumerate() {
            let o = k.order();
            first = if o < first.1 { (i, o) } else { first };
        }
        self.recurring_first = first.0;
        self.advance_to(r.time);
        Some((r.time, r.slot))
    }

    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if let Some((time, source)) = self.pop_recurring() {
            return Some((time, E::of_source(source)));
        }
        if let Some(event) = self.pop_handoff() {
            self.lane_pops += 1;
            return Some((self.now, event));
        }
        if self.lane_live > 0 && self.top().is_none_or(|k| k.time > self.now) {
            loop {
                let slot = self.lane.pop_front().expect("a live event in the lane");
                if self.slots[slot as usize].event.is_some() {
                    self.lane_live -= 1;
                    self.lane_pops += 1;
                    return Some((self.now, self.release(slot)));
                }
                self.free.push(slot);
            }
        }
        self.fill_hole();
        let key = *self.heap.first()?;
        self.hole = !self.advance_chain(0);
        self.advance_to(key.time);
        Some((key.time, self.release(key.slot)))
    }

    /// The clock moves to the time of a popped event.
    fn advance_to(&mut self, time: SimTime) {
        if time > self.now {
            // The instant ended with an empty lane: cancelled leftovers' slots can be used again.
            self.free.extend(self.lane.drain(..));
            self.now = time;
        }
    }

    /// Takes out an event not yet popped; a timer whose event was already popped or cancelled is ignored.
    pub fn cancel(&mut self, timer: Timer) {
        if timer.slot == HANDOFF {
            if timer.generation == self.handoff_generation && self.handoff.take().is_some() {
                self.handoff_generation = self.handoff_generation.wrapping_add(1);
            }
            return;
        }
        let slot = &mut self.slots[timer.slot as usize];
        if slot.generation != timer.generation || slot.event.is_none() {
            return;
        }
        if slot.pos == IN_LANE || slot.pos == IN_CHAIN {
            // The lane or chain keeps the slot until it reaches the front, so it is not reused meanwhile.
            slot.event = None;
            slot.generation = slot.generation.wrapping_add(1);
            if slot.pos == IN_LANE {
                self.lane_live -= 1;
            } else {
                self.chained -= 1;
            }
            return;
        }
        self.fill_hole();
        let pos = self.slots[timer.slot as usize].pos as usize;
        if !self.advance_chain(pos) {
            self.remove_at(pos);
        }
        self.release(timer.slot);
    }

    pub fn len(&self) -> usize {
        self.heap.len() - usize::from(self.hole)
            + self.lane_live
            + self.chained
            + usize::from(self.handoff.is_some())
            + self.recurring.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many events were popped from the lane, without a heap entry.
    pub fn lane_pops(&self) -> u64 {
        self.lane_pops
    }

    fn release(&mut self, s: u32) -> E {
        let slot = &mut self.slots[s as usize];
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(s);
        slot.event.take().expect("a queued slot holds its event")
    }

    /// Removes the key at `pos`, moving the last key into its place.
    fn remove_at(&mut self, pos: usize) {
        let last = self.heap.pop().expect("non-empty");
        if pos < self.heap.len() {
            self.heap[pos] = last;
            self.slots[last.slot as usize].pos = pos as u32;
            if pos > 0 && last.before(&self.heap[(pos - 1) / 2]) {
                self.sift_up(pos);
            } else {
                self.sift_down(pos);
            }
        }
    }

    fn place(&mut self, pos: usize, key: Key) {
        self.heap[pos] = key;
        self.slots[key.slot as usize].pos = pos as u32;
    }

    fn sift_up(&mut self, mut pos: usize) {
        let key = self.heap[pos];
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !key.before(&self.heap[parent]) {
                break;
            }
            self.place(pos, self.heap[parent]);
            pos = parent;
        }
        self.place(pos, key);
    }

    fn sift_down(&mut self, mut pos: usize) {
        let key = self.heap[pos];
        let n = self.heap.len();
        loop {
            let left = 2 * pos + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && self.heap[right].before(&self.heap[left]) { right } else { left };
            if !self.heap[child].before(&key) {
                break;
            }
            self.place(pos, self.heap[child]);
            pos = child;
        }
        self.place(pos, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Recurring for u64 {
        fn of_source(source: u32) -> u64 {
            u64::from(source)
        }
    }

    impl Recurring for &'static str {
        fn of_source(source: u32) -> Self {
            ["arrival 0", "arrival 1"][source as usize]
        }
    }

    #[test]
    fn same_time_events_are_fifo() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "b1");
        q.push(SimTime(1), "a");
        q.push_recurring(SimTime(5), 1);
        q.push(SimTime(5), "b2");
        q.push(SimTime(5), "b3");
        q.push_recurring(SimTime(3), 0);
        q.push(SimTime(3), "c");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "arrival 0", "c", "b1", "arrival 1", "b2", "b3"]);
    }

    #[test]
    fn the_first_event_due_now_is_handed_off_unless_something_precedes_it() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "a");
        q.push(SimTime(9), "later");
        assert_eq!(q.pop(), Some((SimTime(5), "a")));
        // A chain of messages without delay: each is the next event, taken without the lane or heap.
        q.push(SimTime(5), "b");
        q.push(SimTime(5), "c");
        assert_eq!(q.len(), 3);
        assert_eq!(q.pop_handoff(), Some("b"));
        assert_eq!(q.pop_handoff(), None, "c waits in the lane, behind b");
        assert_eq!(q.pop(), Some((SimTime(5), "c")));
        // An event pushed into the past precedes the hand-off.
        q.push(SimTime(5), "d");
        q.push(SimTime(4), "past");
        assert_eq!(q.pop_handoff(), None);
        assert_eq!(q.pop(), Some((SimTime(4), "past")));
        assert_eq!(q.pop_handoff(), Some("d"));
        // A cancelled hand-off never pops; its stale timer cancels no later one.
        let e = q.push(SimTime(5), "e");
        q.cancel(e);
        let f = q.push(SimTime(5), "f");
        q.cancel(e);
        assert_ne!(e, f);
        assert_eq!(q.pop(), Some((SimTime(5), "f")));
        assert_eq!(q.pop(), Some((SimTime(9), "later")));
        assert!(q.is_empty());
    }

    #[test]
    fn recurring_events_keep_the_order_beside_the_heap_and_beyond_it_in_the_heap() {
        let mut q = EventQueue::new();
        // More sources than wait beside the heap, latest first, with a tie: the rest take the heap.
        for i in 0..40 {
            q.push_recurring(SimTime(100 - u64::from(i)), i);
        }
        q.push(SimTime(90), 99);
        q.push_recurring(SimTime(90), 98);
        assert_eq!(q.recurring.len(), MAX_RECURRING);
        assert_eq!(q.len(), 42);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        let mut expected: Vec<_> = (0..40).map(|i| (SimTime(100 - i), i)).collect();
        expected.extend([(SimTime(90), 99), (SimTime(90), 98)]);
        expected.sort_by_key(|&(t, i)| (t, i != 10, i != 99));
        assert_eq!(order, expected);
    }

    #[test]
    fn a_recurring_event_due_now_precedes_the_hand_off_and_the_lane() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "a");
        q.push_recurring(SimTime(5), 0);
        assert_eq!(q.pop(), Some((SimTime(5), "a")));
        // a's handler sends two messages without delay: the arrival, pushed before, comes first.
        q.push(SimTime(5), "b");
        q.push(SimTime(5), "c");
        assert_eq!(q.pop_handoff(), None);
        assert_eq!(q.pop_recurring(), Some((SimTime(5), 0)));
        assert_eq!(q.pop_recurring(), None);
        assert_eq!(q.pop(), Some((SimTime(5), "b")));
        // A later arrival waits behind the hand-off.
        q.push_recurring(SimTime(9), 1);
        q.push(SimTime(5), "d");
        assert_eq!(q.pop_recurring(), None, "the lane's c is due first");
        assert_eq!(q.pop(), Some((SimTime(5), "c")));
        assert_eq!(q.pop_recurring(), None, "d is due first");
        assert_eq!(q.pop(), Some((SimTime(5), "d")));
        assert_eq!(q.pop_recurring(), Some((SimTime(9), 1)));
        assert!(q.is_empty());
    }

    /// Pushes, pops and cancels drawn from a fixed generator, checked against a sorted list. With delays
    /// below 3 most events are due at the instant being processed and take the hand-off or the lane; pushes repeating
    /// the previous time form chains; pops leave holes that pushes, pops and cancels fill; recurring events
    /// wait beside the heap, and beyond `MAX_RECURRING` in it.
    #[test]
    fn cancelled_events_never_pop_and_the_rest_keep_their_order() {
        for span in [50, 3] {
            check_against_a_sorted_list(span);
        }
    }

    fn check_against_a_sorted_list(span: u64) {
        let mut q = EventQueue::new();
        let mut model: Vec<(SimTime, u64)> = Vec::new();
        let mut timers: Vec<(Timer, u64)> = Vec::new();
        let mut x: u64 = 7;
        let mut next = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 33
        };
        let (mut now, mut last) = (SimTime(0), SimTime(0));
        let (mut handoffs, mut recurring_seen) = (0, 0);
        for id in 0..20_000u64 {
            match next() % 4 {
                0 if id % 7 == 0 => {
                    let t = if next() % 4 == 0 { now } else { now + SimTime(next() % span) };
                    last = t;
                    q.push_recurring(t, id as u32);
                    model.push((t, id));
                    recurring_seen = recurring_seen.max(q.recurring.len());
                }
                0 | 1 => {
                    // Now and then into the past, as an engine whose clock ran ahead of its queue does.
                    let t = match next() % 8 {
                        0 => now.saturating_sub(SimTime(1)),
                        // The time of the previous push again, as a network buffer's records: a chain.
                        1..=3 if last >= now => last,
                        _ => now + SimTime(next() % span),
                    };
                    last = t;
                    timers.push((q.push(t, id), id));
                    model.push((t, id));
                }
                2 if !timers.is_empty() => {
                    let (timer, victim) = timers.swap_remove((next() as usize) % timers.len());
                    q.cancel(timer);
                    q.cancel(timer); // a second cancel is ignored
                    model.retain(|&(_, e)| e != victim);
                }
                _ => {
                    // The earliest (time, push order): ids grow with pushes, so they break ties.
                    let expected = model.iter().copied().min();
                    assert_eq!(q.peek_time(), expected.map(|(t, _)| t));
                    // Half the time as the world takes a step's hand-off first, when there is one.
                    let handoff = if next() % 2 == 0 { q.pop_handoff().map(|e| (q.now, e)) } else { None };
                    if handoff.is_some() {
                        handoffs += 1;
                    }
                    let got = handoff.or_else(|| q.pop());
                    assert_eq!(got, expected);
                    if let Some((t, e)) = got {
                        now = t;
                        model.retain(|&(_, m)| m != e);
                    }
                }
            }
            assert_eq!(q.len(), model.len());
        }
        assert!(span > 3 || q.lane_pops() > 50, "the lane was exercised: {}", q.lane_pops());
        assert!(span > 3 || handoffs > 0, "the hand-off was exercised");
        assert!(recurring_seen > 1, "recurring events waited beside the heap");
    }
}
