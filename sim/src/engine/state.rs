//! Keyed window state shared by the engines: an aggregate per (window, key), and each window's records
//! (creation time and offset) so that each record's result latency and fate can be counted when a result
//! is emitted.
//!
//! A window keeps the records no emitted result held yet in one log, in arrival order, rather than a list
//! per key: adding a record writes where the last one was written, and emitting takes the log front to
//! back (its records are in offset order per partition, the order the fate ledger keeps them in). A
//! record an emitted result held is needed no more: its aggregate counts it.

use super::fate::{Member, RecordId};
use super::window::Window;
use super::{EngineRecord, EventTime, Output, OutputKind};
use crate::hash::IntHash;
use crate::time::SimTime;
use std::collections::{BTreeMap, HashMap};
use std::vec::Drain;

/// 48 bytes: with its key, a slot of the key table fits one cache line (every record looks one up). It has
/// changed since it was last emitted when some of its records are not reported yet.
#[derive(Clone, Debug)]
pub struct Agg {
    pub sum: i64,
    pub min: i64,
    pub max: i64,
    /// Its records.
    pub count: u64,
    /// How many of them were already in an emitted result.
    pub reported: u64,
    /// How many times this window was emitted (late firings re-emit it).
    pub fired: u32,
}

const _: () = assert!(size_of::<Agg>() == 48);

impl Agg {
    fn new() -> Self {
        Agg { sum: 0, min: i64::MAX, max: i64::MIN, count: 0, reported: 0, fired: 0 }
    }

    /// Changed since it was last emitted: it holds records no emitted result held.
    pub fn dirty(&self) -> bool {
        self.count > self.reported
    }

    fn add(&mut self, r: &EngineRecord) {
        self.sum += r.value;
        self.min = self.min.min(r.value);
        self.max = self.max.max(r.value);
        self.count += 1;
    }

    fn merge(&mut self, other: Agg) {
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.count += other.count;
        self.reported += other.reported;
        self.fired = self.fired.max(other.fired);
    }

    pub fn output(&self, w: Window, key: u32, emit: SimTime) -> Output {
        Output {
            kind: OutputKind::Window,
            start: w.start,
            end: w.end,
            key,
            count: self.count,
            sum: self.sum,
            min: self.min,
            max: self.max,
            emit,
            batch: None,
            watermark: EventTime::MIN,
        }
    }
}

/// A window's aggregates by key; its order never reaches results (selections are sorted by key).
type Keyed = HashMap<u32, Agg, IntHash>;

/// One window's state: its aggregates, and the records no emitted result held yet.
#[derive(Clone, Debug, Default)]
struct Pane {
    aggs: Keyed,
    log: Vec<Member>,
}

/// The aggregates per window, the windows ordered by (end, start): the order their timers fire in, and
/// the order the cleanup drops them. A watermark visits only the windows it passed.
#[derive(Debug, Default)]
pub struct WindowState {
    windows: BTreeMap<(EventTime, EventTime), Pane>,
    /// Session windows only (from the first merging `add` on): each key's windows, so that merging a
    /// record looks at its key's few sessions instead of every window of every key.
    sessions: Option<HashMap<u32, Vec<Window>, IntHash>>,
    /// The storage of dropped windows, kept for the next ones: a new window takes a key map and a log
    /// that already have room, instead of growing them again from empty.
    spare: Vec<Pane>,
}

/// A snapshot copies the windows, not the spare storage.
impl Clone for WindowState {
    fn clone(&self) -> Self {
        WindowState { windows: self.windows.clone(), sessions: self.sessions.clone(), spare: Vec::new() }
    }
}

impl WindowState {
    const SPARE: usize = 4;

    fn keep(spare: &mut Vec<Pane>, mut pane: Pane) {
        if spare.len() < Self::SPARE {
            pane.aggs.clear();
            pane.log.clear();
            spare.push(pane);
        }
    }

    pub fn len(&self) -> usize {
        self.windows.values().map(|p| p.aggs.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// The key's windows that intersect `w`, in (start, end) order.
    fn intersecting(&self, w: Window, key: u32) -> Vec<Window> {
        let mut v: Vec<Window> = match &self.sessions {
            Some(sessions) => sessions.get(&key).into_iter().flatten().copied().filter(|x| x.intersects(&w)).collect(),
            None => self
                .windows
                .iter()
                .map(|(&(end, start), pane)| (Window { start, end }, pane))
                .filter(|(x, pane)| x.intersects(&w) && pane.aggs.contains_key(&key))
                .map(|(x, _)| x)
                .collect(),
        };
        v.sort();
        v
    }

    /// Each key's windows, from the windows held now.
    fn index_sessions(&self) -> HashMap<u32, Vec<Window>, IntHash> {
        let mut sessions: HashMap<u32, Vec<Window>, IntHash> = HashMap::default();
        for (&(end, start), pane) in &self.windows {
            for &key in pane.aggs.keys() {
                sessions.entry(key).or_default().push(Window { start, end });
            }
        }
        sessions
    }

    /// Window `w` no longer holds state of `key`.
    fn unindex(sessions: &mut Option<HashMap<u32, Vec<Window>, IntHash>>, w: Window, key: u32) {
        if let Some(sessions) = sessions
            && let Some(list) = sessions.get_mut(&key)
        {
            list.retain(|x| *x != w);
            if list.is_empty() {
                sessions.remove(&key);
            }
        }
    }

    /// Adds a record to (window, its key); with `merge_sessions`, first merges every window of the key that
    /// intersects it (MergingWindowSet). Returns the window the record landed in.
    pub fn add(&mut self, mut w: Window, r: &EngineRecord, merge_sessions: bool) -> Window {
        let key = r.key;
        let mut agg = Agg::new();
        // The merged sessions' records no emitted result held.
        let mut unreported = Vec::new();
        if merge_sessions && self.sessions.is_none() {
            self.sessions = Some(self.index_sessions());
        }
        if merge_sessions {
            let found = self.intersecting(w, key);
            if let [x] = found[..]
                && let Some(cover) = self.extend_session(x, w, r)
            {
                return cover;
            }
            for x in found {
                agg.merge(self.take(x, key, &mut unreported));
                w = w.cover(&x);
            }
        }
        // A merged session's cover held no state of the key (every window it covers was taken above).
        let spare = &mut self.spare;
        let pane = self.windows.entry((w.end, w.start)).or_insert_with(|| spare.pop().unwrap_or_default());
        let sessions = &mut self.sessions;
        pane.aggs
            .entry(key)
            .or_insert_with(|| {
                if let Some(sessions) = sessions {
                    sessions.entry(key).or_default().push(w);
                }
                agg
            })
            .add(r);
        pane.log.extend(unreported);
        pane.log.push(Member::of(r));
        w
    }

    /// The usual merge: `w` intersects one session `x` of the record's key, alone in its window. The whole
    /// window moves to the cover, with the record added: the same state as taking the session out and
    /// adding it back, without copying its records out and back for every record (a session's length per
    /// record). `None` when the cover is another key's window as well: the general merge joins them.
    fn extend_session(&mut self, x: Window, w: Window, r: &EngineRecord) -> Option<Window> {
        let cover = w.cover(&x);
        let alone = self.windows.get(&(x.end, x.start)).is_some_and(|pane| pane.aggs.len() == 1);
        if !alone || (cover != x && self.windows.contains_key(&(cover.end, cover.start))) {
            return None;
        }
        let mut pane = self.windows.remove(&(x.end, x.start)).expect("an intersecting window is held");
        pane.aggs.get_mut(&r.key).expect("the key's session").add(r);
        pane.log.push(Member::of(r));
        self.windows.insert((cover.end, cover.start), pane);
        if let Some(list) = self.sessions.as_mut().and_then(|sessions| sessions.get_mut(&r.key)) {
            list.iter_mut().filter(|s| **s == x).for_each(|s| *s = cover);
        }
        Some(cover)
    }

    /// Takes the key's state out of window `w`: its aggregate, and its unreported records into `unreported`.
    fn take(&mut self, w: Window, key: u32, unreported: &mut Vec<Member>) -> Agg {
        let pane = self.windows.get_mut(&(w.end, w.start)).expect("an intersecting window is held");
        let agg = pane.aggs.remove(&key).expect("an intersecting window holds the key");
        pane.log.retain(|m| {
            let of_key = m.key == key;
            if of_key {
                unreported.push(*m);
            }
            !of_key
        });
        Self::unindex(&mut self.sessions, w, key);
        if pane.aggs.is_empty()
            && let Some(pane) = self.windows.remove(&(w.end, w.start))
        {
            Self::keep(&mut self.spare, pane);
        }
        agg
    }

    /// The window `w` lands in once merged with the key's intersecting sessions (MergingWindowSet.addWindow).
    pub fn merged(&self, w: Window, key: u32) -> Window {
        self.intersecting(w, key).iter().fold(w, |acc, x| acc.cover(x))
    }

    /// `f` of each of `keys`' aggregates in window `w`, in their order (keys it does not hold left out).
    pub fn per_key<T>(&mut self, w: Window, keys: &[u32], mut f: impl FnMut(&mut Agg, u32) -> T) -> Vec<T> {
        let Some(pane) = self.windows.get_mut(&(w.end, w.start)) else { return Vec::new() };
        keys.iter().filter_map(|&key| pane.aggs.get_mut(&key).map(|agg| f(agg, key))).collect()
    }

    /// The records of `keys` (ascending) in window `w`, a window held, that no emitted result held, now
    /// reported: they leave the window's log when the returned drain is dropped.
    pub fn report(&mut self, w: Window, keys: &[u32]) -> Drain<'_, Member> {
        debug_assert!(keys.is_sorted(), "{keys:?}");
        let pane = self.windows.get_mut(&(w.end, w.start)).expect("a window that fires is held");
        let mut new = 0;
        for key in keys {
            if let Some(agg) = pane.aggs.get_mut(key) {
                new += (agg.count - agg.reported) as usize;
                agg.reported = agg.count;
            }
        }
        if new < pane.log.len() {
            // The other keys' records stay, behind these.
            let (mine, others): (Vec<Member>, Vec<Member>) =
                pane.log.iter().partition(|m| keys.binary_search(&m.key).is_ok());
            pane.log.clear();
            pane.log.extend(mine.into_iter().chain(others));
        }
        pane.log.drain(..new)
    }

    /// The windows matching `window` with the keys whose aggregate matches `agg`, in (end, start) order
    /// and the keys ascending: the order timers fire in.
    pub fn select(&self, window: impl Fn(&Window) -> bool, agg: impl Fn(&Agg) -> bool) -> Vec<(Window, Vec<u32>)> {
        let mut v = Vec::new();
        for (&(end, start), pane) in &self.windows {
            let w = Window { start, end };
            if window(&w) {
                let mut keys: Vec<u32> = pane.aggs.iter().filter(|(_, a)| agg(a)).map(|(&k, _)| k).collect();
                if !keys.is_empty() {
                    keys.sort_unstable();
                    v.push((w, keys));
                }
            }
        }
        v
    }

    pub fn retain(&mut self, keep: impl Fn(&Window) -> bool) {
        let (spare, sessions) = (&mut self.spare, &mut self.sessions);
        self.windows.retain(|&(end, start), pane| {
            let w = Window { start, end };
            let kept = keep(&w);
            if !kept {
                for &key in pane.aggs.keys() {
                    Self::unindex(sessions, w, key);
                }
                Self::keep(spare, std::mem::take(pane));
            }
            kept
        });
    }

    /// Records held in windows that have not been emitted with them yet.
    pub fn unreported(&self) -> u64 {
        self.windows.values().map(|p| p.log.len() as u64).sum()
    }

    /// The records held in windows that have not been emitted with them yet.
    pub fn unreported_records(&self) -> impl Iterator<Item = RecordId> + '_ {
        self.windows.values().flat_map(|p| p.log.iter().map(|m| m.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start_ms: i64, end_ms: i64) -> Window {
        Window { start: EventTime::from_ms(start_ms), end: EventTime::from_ms(end_ms) }
    }
    fn t(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }
    /// A record of `key` with `value`, created at `created` (its offset is its creation time in ms).
    fn rec(key: u32, value: i64, created: SimTime) -> EngineRecord {
        let offset = crate::kafka::ids::Offset(created.0 / 1_000_000);
        EngineRecord {
            created,
            event_time: EventTime::ZERO,
            key,
            value,
            partition: crate::kafka::ids::PartitionId(0),
            offset,
        }
    }
    /// The aggregate of (`win`, `key`), changed by `f`.
    fn agg(s: &mut WindowState, win: Window, key: u32, f: impl Fn(&mut Agg)) -> Option<Agg> {
        s.per_key(win, &[key], |a, _| {
            f(a);
            a.clone()
        })
        .pop()
    }
    /// Reports `keys` of `win`: the creation times of the records new in the result.
    fn report(s: &mut WindowState, win: Window, keys: &[u32]) -> Vec<SimTime> {
        s.report(win, keys).map(|m| m.created).collect()
    }

    #[test]
    fn a_window_aggregates_count_sum_min_max_and_creation_times() {
        let mut s = WindowState::default();
        assert!(s.is_empty());
        s.add(w(0, 10), &rec(1, 5, t(1)), false);
        s.add(w(0, 10), &rec(2, 4, t(2)), false);
        s.add(w(0, 10), &rec(1, -3, t(3)), false);
        s.add(w(0, 10), &rec(1, 9, t(4)), false);
        assert!(!s.is_empty());
        assert_eq!(s.len(), 2, "one state per (window, key)");
        let o = agg(&mut s, w(0, 10), 1, |_| {}).expect("state").output(w(0, 10), 1, t(7));
        assert_eq!(
            (o.kind, (o.start, o.end), o.key, o.emit),
            (OutputKind::Window, (w(0, 10).start, w(0, 10).end), 1, t(7))
        );
        assert_eq!((o.count, o.sum, o.min, o.max), (3, 11, -3, 9));
        assert_eq!((o.batch, o.watermark), (None, EventTime::MIN), "the engine marks the batch and watermark");
        assert_eq!(report(&mut s, w(0, 10), &[1, 2]), [t(1), t(2), t(3), t(4)], "in arrival order");
        assert!(agg(&mut s, w(0, 10), 3, |_| {}).is_none());
    }

    /// Reporting some keys of a window leaves the other keys' records unreported, to be reported later.
    #[test]
    fn a_report_takes_the_new_records_of_its_keys_only() {
        let mut s = WindowState::default();
        for (key, ms) in [(1, 1), (2, 2), (3, 3), (1, 4), (2, 5)] {
            s.add(w(0, 10), &rec(key, 1, t(ms)), false);
        }
        assert_eq!(report(&mut s, w(0, 10), &[2]), [t(2), t(5)]);
        assert_eq!(s.unreported(), 3);
        assert!(!agg(&mut s, w(0, 10), 2, |_| {}).expect("state").dirty());
        s.add(w(0, 10), &rec(2, 1, t(6)), false);
        assert_eq!(report(&mut s, w(0, 10), &[1, 2]), [t(1), t(4), t(6)]);
        assert_eq!(report(&mut s, w(0, 10), &[1, 2]), [] as [SimTime; 0], "nothing new");
        let mut unreported: Vec<RecordId> = s.unreported_records().collect();
        unreported.sort();
        assert_eq!(unreported, [RecordId::of(&rec(3, 1, t(3)))]);
        assert_eq!(report(&mut s, w(0, 10), &[3]), [t(3)]);
    }

    /// MergingWindowSet: a session that touches or overlaps others of its key becomes their cover, with
    /// their contents; sessions of other keys stay apart.
    #[test]
    fn sessions_of_a_key_merge_into_their_cover() {
        let mut s = WindowState::default();
        s.add(w(0, 10), &rec(1, 1, t(0)), true);
        s.add(w(30, 40), &rec(1, 2, t(1)), true);
        s.add(w(12, 22), &rec(7, 50, t(2)), true);
        agg(&mut s, w(0, 10), 1, |a| a.fired = 2);
        assert_eq!(report(&mut s, w(0, 10), &[1]), [t(0)]);
        assert_eq!(s.merged(w(10, 30), 1), w(0, 40), "touches both ends");
        assert_eq!(s.merged(w(12, 22), 1), w(12, 22), "touches neither: key 7 does not count");
        assert_eq!(s.add(w(10, 30), &rec(1, 3, t(5)), true), w(0, 40));
        assert_eq!(s.len(), 2, "three sessions of key 1 became one");
        let m = agg(&mut s, w(0, 40), 1, |_| {}).expect("merged");
        assert_eq!((m.count, m.sum, m.min, m.max), (3, 6, 1, 3));
        assert_eq!((m.fired, m.dirty()), (2, true), "a fired session stays fired, and has changed");
        assert_eq!(report(&mut s, w(0, 40), &[1]), [t(1), t(5)], "the merged session's new records");
        // Without merging (tumbling and sliding windows), overlapping windows stay apart.
        let mut s = WindowState::default();
        s.add(w(0, 10), &rec(1, 1, t(0)), false);
        assert_eq!(s.add(w(5, 15), &rec(1, 1, t(0)), false), w(5, 15));
        assert_eq!(s.len(), 2);
    }

    /// A session merged into a window that another key already has joins it: its new records are reported
    /// with its key, the other key's with theirs.
    #[test]
    fn a_session_merged_into_a_window_another_key_holds_keeps_its_records_apart() {
        let mut s = WindowState::default();
        s.add(w(0, 20), &rec(2, 1, t(0)), true);
        s.add(w(10, 20), &rec(1, 1, t(1)), true);
        assert_eq!(report(&mut s, w(0, 20), &[2]), [t(0)]);
        assert_eq!(report(&mut s, w(10, 20), &[1]), [t(1)]);
        s.add(w(0, 20), &rec(2, 1, t(2)), true); // key 2's session stays (0, 20), now with a new record
        s.add(w(0, 12), &rec(1, 1, t(3)), true); // key 1: (0, 12) and (10, 20) merge into (0, 20)
        s.add(w(0, 20), &rec(3, 1, t(4)), true);
        assert_eq!((s.len(), s.unreported()), (3, 3), "three keys in one window");
        assert_eq!(report(&mut s, w(0, 20), &[1]), [t(3)]);
        assert_eq!(report(&mut s, w(0, 20), &[2, 3]), [t(2), t(4)]);
        assert_eq!(agg(&mut s, w(0, 20), 1, |_| {}).map(|a| (a.count, a.reported)), Some((2, 2)));
        assert_eq!(s.unreported(), 0);
    }

    /// Before any merging add, a window merges with the key's windows it intersects, found among all held;
    /// the first merging add indexes them.
    #[test]
    fn the_first_merging_add_finds_the_windows_already_held() {
        let mut s = WindowState::default();
        s.add(w(0, 10), &rec(1, 1, t(0)), false);
        s.add(w(20, 30), &rec(7, 1, t(0)), false);
        assert_eq!(s.merged(w(5, 25), 1), w(0, 25), "key 7's window does not count");
        assert_eq!(s.merged(w(40, 50), 1), w(40, 50), "apart from key 1's window");
        assert_eq!(s.add(w(5, 15), &rec(1, 1, t(1)), true), w(0, 15));
        assert_eq!(s.len(), 2);
    }

    /// By window end, then start, then key: a window's end-of-window timer decides when it fires.
    #[test]
    fn selected_windows_come_in_firing_order() {
        let mut s = WindowState::default();
        for (win, key) in [(w(5, 20), 1), (w(0, 10), 9), (w(10, 20), 2), (w(0, 10), 3), (w(10, 20), 1)] {
            s.add(win, &rec(key, 1, t(0)), false);
        }
        let order = s.select(|_| true, |_| true);
        assert_eq!(order, [(w(0, 10), vec![3, 9]), (w(5, 20), vec![1]), (w(10, 20), vec![1, 2])]);
        assert_eq!(s.select(|win| win.end <= EventTime::from_ms(10), |_| true), [(w(0, 10), vec![3, 9])]);
        agg(&mut s, w(10, 20), 2, |a| a.fired = 1);
        assert_eq!(s.select(|_| true, |a| a.fired > 0), [(w(10, 20), vec![2])], "windows with no key left out");
        s.retain(|win| win.start > EventTime::ZERO);
        assert_eq!((s.len(), s.unreported()), (3, 3));
    }

    /// The index of each key's sessions follows merges, the cleanup and snapshots: a dropped session
    /// merges no more, and a snapshot merges as the state did when it was taken.
    #[test]
    fn a_dropped_session_merges_no_more() {
        let mut s = WindowState::default();
        for win in [w(0, 10), w(20, 30), w(40, 50)] {
            s.add(win, &rec(1, 1, t(0)), true);
        }
        s.retain(|win| win.start > EventTime::ZERO);
        assert_eq!(s.merged(w(5, 25), 1), w(5, 30), "(0, 10) was dropped");
        let snapshot = s.clone();
        assert_eq!(s.add(w(5, 45), &rec(1, 1, t(0)), true), w(5, 50));
        assert_eq!(s.merged(w(0, 6), 1), w(0, 50));
        s.retain(|_| false);
        assert_eq!((s.merged(w(0, 6), 1), snapshot.merged(w(0, 6), 1)), (w(0, 6), w(0, 6)));
        assert_eq!(snapshot.merged(w(45, 60), 1), w(40, 60));
        assert_eq!(snapshot.merged(w(25, 35), 1), w(20, 35), "the snapshot still holds (20, 30)");
    }

    /// MergingWindowSet merges the sessions' state: records a session already emitted stay reported, so
    /// the merged session reports (and counts the latency of) only the records new since.
    #[test]
    fn a_merged_session_reports_only_records_not_yet_in_a_result() {
        let mut s = WindowState::default();
        s.add(w(0, 10), &rec(1, 1, t(0)), true);
        s.add(w(30, 40), &rec(1, 1, t(1)), true);
        for win in [w(0, 10), w(30, 40)] {
            assert_eq!(s.report(win, &[1]).len(), 1);
            assert_eq!(s.report(win, &[1]).len(), 0, "reported once");
        }
        s.add(w(5, 35), &rec(1, 1, t(2)), true);
        assert_eq!(report(&mut s, w(0, 40), &[1]), [t(2)]);
        assert_eq!(s.unreported(), 0);
    }

    #[test]
    fn unreported_counts_records_not_yet_in_an_emitted_result() {
        let mut s = WindowState::default();
        for v in 0..3 {
            s.add(w(0, 10), &rec(1, v, t(0)), false);
        }
        s.add(w(10, 20), &rec(1, 0, t(0)), false);
        assert_eq!(s.unreported(), 4);
        s.report(w(0, 10), &[1]);
        assert_eq!(s.unreported(), 1);
    }
}
