//! The event queue: ordered by (time, insertion sequence), so that events scheduled for the same instant
//! run in the order they were scheduled, on every machine.
//!
//! The heap holds only the 24-byte keys (time, sequence, slot); the events wait in a slab of slots, so a
//! push or pop moves small entries however large an event is. Every slot knows where its key sits in the
//! heap, so a timer that became obsolete can be taken out (`cancel`) instead of firing for nothing.

use crate::time::SimTime;

#[derive(Clone, Copy)]
struct Key {
    time: SimTime,
    seq: u64,
    slot: u32,
}

impl Key {
    fn before(&self, other: &Key) -> bool {
        (self.time, self.seq) < (other.time, other.seq)
    }
}

struct Slot<E> {
    event: Option<E>,
    /// Where the slot's key is in the heap, while it holds an event.
    pos: u32,
    /// Bumped each time the slot is freed, so that a stale `Timer` cancels nothing.
    generation: u32,
}

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
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { heap: Vec::new(), slots: Vec::new(), free: Vec::new(), next_seq: 0 }
    }

    pub fn push(&mut self, time: SimTime, event: E) -> Timer {
        let seq = self.next_seq;
        self.next_seq += 1;
        let pos = self.heap.len() as u32;
        let slot = match self.free.pop() {
            Some(s) => {
                let slot = &mut self.slots[s as usize];
                slot.event = Some(event);
                slot.pos = pos;
                s
            }
            None => {
                self.slots.push(Slot { event: Some(event), pos, generation: 0 });
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Key { time, seq, slot });
        self.sift_up(pos as usize);
        Timer { slot, generation: self.slots[slot as usize].generation }
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|k| k.time)
    }

    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let key = *self.heap.first()?;
        self.remove_at(0);
        Some((key.time, self.release(key.slot)))
    }

    /// Takes out an event not yet popped; a timer whose event was already popped or cancelled is ignored.
    pub fn cancel(&mut self, timer: Timer) {
        let slot = &self.slots[timer.slot as usize];
        if slot.generation != timer.generation || slot.event.is_none() {
            return;
        }
        self.remove_at(slot.pos as usize);
        self.release(timer.slot);
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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

    #[test]
    fn same_time_events_are_fifo() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "b1");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "b2");
        q.push(SimTime(5), "b3");
        q.push(SimTime(3), "c");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "c", "b1", "b2", "b3"]);
    }

    /// Pushes, pops and cancels drawn from a fixed generator, checked against a sorted list.
    #[test]
    fn cancelled_events_never_pop_and_the_rest_keep_their_order() {
        let mut q = EventQueue::new();
        let mut model: Vec<(SimTime, u64)> = Vec::new();
        let mut timers: Vec<(Timer, u64)> = Vec::new();
        let mut x: u64 = 7;
        let mut next = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut now = SimTime(0);
        for id in 0..20_000u64 {
            match next() % 4 {
                0 | 1 => {
                    let t = now + SimTime(next() % 50);
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
                    let got = q.pop();
                    assert_eq!(got, expected);
                    if let Some((t, e)) = got {
                        now = t;
                        model.retain(|&(_, m)| m != e);
                    }
                }
            }
            assert_eq!(q.len(), model.len());
        }
    }
}
