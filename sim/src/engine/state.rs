//! Keyed window state shared by the engines: an aggregate per (window, key), with its records (creation
//! time and offset) so that each record's result latency and fate can be counted when a result is emitted.

use super::fate::{Member, RecordId};
use super::window::Window;
use super::{EngineRecord, EventTime, Output, OutputKind};
use crate::hash::IntHash;
use crate::time::SimTime;
use std::collections::{BTreeMap, HashMap};

/// 56 bytes: with its key, a slot of the key table is one cache line (every record looks one up). Its count
/// is its number of records, and it has changed since it was last emitted when some are not reported yet.
#[derive(Clone, Debug)]
pub struct Agg {
    pub sum: i64,
    pub min: i64,
    pub max: i64,
    /// Its records, those already in an emitted result (`reported`) first.
    pub members: Vec<Member>,
    /// How many times this window was emitted (late firings re-emit it).
    pub fired: u32,
    /// How many of `members` were already in an emitted result.
    pub reported: u32,
}

const _: () = assert!(size_of::<Agg>() == 56);

impl Agg {
    fn new() -> Self {
        Agg { sum: 0, min: i64::MAX, max: i64::MIN, members: Vec::new(), fired: 0, reported: 0 }
    }

    pub fn count(&self) -> u64 {
        self.members.len() as u64
    }

    /// Changed since it was last emitted: it holds records no emitted result held.
    pub fn dirty(&self) -> bool {
        self.members.len() > self.reported as usize
    }

    fn add(&mut self, r: &EngineRecord) {
        self.sum += r.value;
        self.min = self.min.min(r.value);
        self.max = self.max.max(r.value);
        self.members.push(Member::of(r));
    }

    fn merge(&mut self, other: Agg) {
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        // Reported records of both first, then the unreported ones.
        let (mine, theirs) = (self.reported as usize, other.reported as usize);
        let unreported = self.members.split_off(mine);
        self.members.extend_from_slice(&other.members[..theirs]);
        self.members.extend(unreported);
        self.members.extend_from_slice(&other.members[theirs..]);
        self.reported += other.reported;
        self.fired = self.fired.max(other.fired);
    }

    /// The records not yet in an emitted result, now reported.
    pub fn report(&mut self) -> &[Member] {
        let held = u32::try_from(self.members.len()).expect("a window holds fewer than 2^32 records of a key");
        let from = std::mem::replace(&mut self.reported, held);
        &self.members[from as usize..]
    }

    pub fn output(&self, w: Window, key: u32, emit: SimTime) -> Output {
        Output {
            kind: OutputKind::Window,
            start: w.start,
            end: w.end,
            key,
            count: self.count(),
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

/// The aggregates per window, the windows ordered by (end, start): the order their timers fire in, and
/// the order the cleanup drops them. A watermark visits only the windows it passed.
#[derive(Debug, Default)]
pub struct WindowState {
    windows: BTreeMap<(EventTime, EventTime), Keyed>,
    /// Session windows only (from the first merging `add` on): each key's windows, so that merging a
    /// record looks at its key's few sessions instead of every window of every key.
    sessions: Option<HashMap<u32, Vec<Window>, IntHash>>,
    spare: Spare,
}

/// A snapshot copies the windows, not the spare storage.
impl Clone for WindowState {
    fn clone(&self) -> Self {
        WindowState { windows: self.windows.clone(), sessions: self.sessions.clone(), spare: Spare::default() }
    }
}

/// The storage of dropped windows, kept for the next ones: a new window takes a key map and record lists
/// that already have room, instead of growing them again from empty.
#[derive(Debug, Default)]
struct Spare {
    maps: Vec<Keyed>,
    members: Vec<Vec<Member>>,
}

impl Spare {
    const MAPS: usize = 4;
    const LISTS: usize = 1 << 16;

    fn keep(&mut self, mut map: Keyed) {
        for (_, agg) in map.drain() {
            let mut list = agg.members;
            if self.members.len() < Self::LISTS && list.capacity() > 0 {
                list.clear();
                self.members.push(list);
            }
        }
        if self.maps.len() < Self::MAPS {
            self.maps.push(map);
        }
    }
}

impl WindowState {
    pub fn len(&self) -> usize {
        self.windows.values().map(HashMap::len).sum()
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
                .map(|(&(end, start), aggs)| (Window { start, end }, aggs))
                .filter(|(x, aggs)| x.intersects(&w) && aggs.contains_key(&key))
                .map(|(x, _)| x)
                .collect(),
        };
        v.sort();
        v
    }

    /// Each key's windows, from the windows held now.
    fn index_sessions(&self) -> HashMap<u32, Vec<Window>, IntHash> {
        let mut sessions: HashMap<u32, Vec<Window>, IntHash> = HashMap::default();
        for (&(end, start), aggs) in &self.windows {
            for &key in aggs.keys() {
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
        if merge_sessions && self.sessions.is_none() {
            self.sessions = Some(self.index_sessions());
        }
        if merge_sessions {
            for x in self.intersecting(w, key) {
                let old = self.remove(x, key).expect("listed");
                agg.merge(old);
                w = w.cover(&x);
            }
        }
        // A merged session's cover held no state of the key (every window it covers was removed above).
        let spare = &mut self.spare;
        let aggs = self.windows.entry((w.end, w.start)).or_insert_with(|| spare.maps.pop().unwrap_or_default());
        let sessions = &mut self.sessions;
        let entry = aggs.entry(key).or_insert_with(|| {
            if let Some(sessions) = sessions {
                sessions.entry(key).or_default().push(w);
            }
            if agg.members.capacity() == 0 {
                agg.members = spare.members.pop().unwrap_or_default();
            }
            agg
        });
        entry.add(r);
        w
    }

    /// The window `w` lands in once merged with the key's intersecting sessions (MergingWindowSet.addWindow).
    pub fn merged(&self, w: Window, key: u32) -> Window {
        self.intersecting(w, key).iter().fold(w, |acc, x| acc.cover(x))
    }

    pub fn get_mut(&mut self, w: Window, key: u32) -> Option<&mut Agg> {
        self.windows.get_mut(&(w.end, w.start))?.get_mut(&key)
    }

    /// The aggregates of the windows matching `window` whose aggregate matches `agg`, in (end, start, key)
    /// order: the order timers fire in.
    pub fn select(&self, window: impl Fn(&Window) -> bool, agg: impl Fn(&Agg) -> bool) -> Vec<(Window, u32)> {
        let mut v = Vec::new();
        for (&(end, start), aggs) in &self.windows {
            let w = Window { start, end };
            if window(&w) {
                let first = v.len();
                v.extend(aggs.iter().filter(|(_, a)| agg(a)).map(|(&k, _)| (w, k)));
                v[first..].sort_unstable_by_key(|&(_, k)| k);
            }
        }
        v
    }

    pub fn remove(&mut self, w: Window, key: u32) -> Option<Agg> {
        let aggs = self.windows.get_mut(&(w.end, w.start))?;
        let agg = aggs.remove(&key);
        if agg.is_some() {
            Self::unindex(&mut self.sessions, w, key);
        }
        if aggs.is_empty()
            && let Some(map) = self.windows.remove(&(w.end, w.start))
        {
            self.spare.keep(map);
        }
        agg
    }

    pub fn retain(&mut self, keep: impl Fn(&Window) -> bool) {
        let (spare, sessions) = (&mut self.spare, &mut self.sessions);
        self.windows.retain(|&(end, start), aggs| {
            let w = Window { start, end };
            let kept = keep(&w);
            if !kept {
                for &key in aggs.keys() {
                    Self::unindex(sessions, w, key);
                }
                spare.keep(std::mem::take(aggs));
            }
            kept
        });
    }

    fn aggs(&self) -> impl Iterator<Item = &Agg> {
        self.windows.values().flat_map(HashMap::values)
    }

    /// Records held in windows that have not been emitted with them yet.
    pub fn unreported(&self) -> u64 {
        self.aggs().map(|a| a.count() - u64::from(a.reported)).sum()
    }

    /// The records held in windows that have not been emitted with them yet.
    pub fn unreported_records(&self) -> impl Iterator<Item = RecordId> + '_ {
        self.aggs().flat_map(|a| a.members[a.reported as usize..].iter().map(|m| m.id))
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
    fn created(a: &Agg) -> Vec<SimTime> {
        a.members.iter().map(|m| m.created).collect()
    }

    #[test]
    fn a_window_aggregates_count_sum_min_max_and_creation_times() {
        let mut s = WindowState::default();
        assert!(s.is_empty());
        s.add(w(0, 10), &rec(1, 5, t(1)), false);
        s.add(w(0, 10), &rec(1, -3, t(2)), false);
        s.add(w(0, 10), &rec(1, 9, t(3)), false);
        s.add(w(0, 10), &rec(2, 4, t(4)), false);
        assert!(!s.is_empty());
        assert_eq!(s.len(), 2, "one state per (window, key)");
        let o = s.get_mut(w(0, 10), 1).expect("state").output(w(0, 10), 1, t(7));
        assert_eq!(
            (o.kind, (o.start, o.end), o.key, o.emit),
            (OutputKind::Window, (w(0, 10).start, w(0, 10).end), 1, t(7))
        );
        assert_eq!((o.count, o.sum, o.min, o.max), (3, 11, -3, 9));
        assert_eq!((o.batch, o.watermark), (None, EventTime::MIN), "the engine marks the batch and watermark");
        assert_eq!(created(s.get_mut(w(0, 10), 1).expect("state")), [t(1), t(2), t(3)]);
        assert!(s.get_mut(w(0, 10), 3).is_none());
    }

    /// MergingWindowSet: a session that touches or overlaps others of its key becomes their cover, with
    /// their contents; sessions of other keys stay apart.
    #[test]
    fn sessions_of_a_key_merge_into_their_cover() {
        let mut s = WindowState::default();
        s.add(w(0, 10), &rec(1, 1, t(0)), true);
        s.add(w(30, 40), &rec(1, 2, t(1)), true);
        s.add(w(12, 22), &rec(7, 50, t(2)), true);
        let a = s.get_mut(w(0, 10), 1).expect("state");
        a.fired = 2;
        a.report();
        assert_eq!(s.merged(w(10, 30), 1), w(0, 40), "touches both ends");
        assert_eq!(s.merged(w(12, 22), 1), w(12, 22), "touches neither: key 7 does not count");
        assert_eq!(s.add(w(10, 30), &rec(1, 3, t(5)), true), w(0, 40));
        assert_eq!(s.len(), 2, "three sessions of key 1 became one");
        let m = s.get_mut(w(0, 40), 1).expect("merged");
        assert_eq!((m.count(), m.sum, m.min, m.max), (3, 6, 1, 3));
        assert_eq!(created(m), [t(0), t(1), t(5)]);
        assert_eq!((m.fired, m.dirty()), (2, true), "a fired session stays fired, and has changed");
        // Without merging (tumbling and sliding windows), overlapping windows stay apart.
        let mut s = WindowState::default();
        s.add(w(0, 10), &rec(1, 1, t(0)), false);
        assert_eq!(s.add(w(5, 15), &rec(1, 1, t(0)), false), w(5, 15));
        assert_eq!(s.len(), 2);
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
        assert_eq!(order, [(w(0, 10), 3), (w(0, 10), 9), (w(5, 20), 1), (w(10, 20), 1), (w(10, 20), 2)]);
        assert_eq!(s.select(|win| win.end <= EventTime::from_ms(10), |_| true), [(w(0, 10), 3), (w(0, 10), 9)]);
        s.retain(|win| win.start > EventTime::ZERO);
        assert_eq!(s.len(), 3);
        assert_eq!(s.remove(w(5, 20), 1).map(|a| a.count()), Some(1));
        assert!(s.remove(w(5, 20), 1).is_none());
    }

    /// The index of each key's sessions follows removals, the cleanup and snapshots: a dropped session
    /// merges no more, and a snapshot merges as the state did when it was taken.
    #[test]
    fn a_dropped_session_merges_no_more() {
        let mut s = WindowState::default();
        for win in [w(0, 10), w(20, 30), w(40, 50)] {
            s.add(win, &rec(1, 1, t(0)), true);
        }
        s.retain(|win| win.start > EventTime::ZERO);
        assert_eq!(s.merged(w(5, 25), 1), w(5, 30), "(0, 10) was dropped");
        assert_eq!(s.remove(w(20, 30), 1).map(|a| a.count()), Some(1));
        assert_eq!(s.merged(w(5, 45), 1), w(5, 50));
        let snapshot = s.clone();
        assert_eq!(s.add(w(5, 45), &rec(1, 1, t(0)), true), w(5, 50));
        assert_eq!(s.merged(w(0, 6), 1), w(0, 50));
        s.retain(|_| false);
        assert_eq!((s.merged(w(0, 6), 1), snapshot.merged(w(0, 6), 1)), (w(0, 6), w(0, 6)));
        assert_eq!(snapshot.merged(w(45, 60), 1), w(40, 60));
    }

    /// MergingWindowSet merges the sessions' state: records a session already emitted stay reported, so
    /// the merged session reports (and counts the latency of) only the records new since.
    #[test]
    fn a_merged_session_reports_only_records_not_yet_in_a_result() {
        let mut s = WindowState::default();
        s.add(w(0, 10), &rec(1, 1, t(0)), true);
        s.add(w(30, 40), &rec(1, 1, t(1)), true);
        for win in [w(0, 10), w(30, 40)] {
            assert_eq!(s.get_mut(win, 1).expect("state").report().len(), 1);
        }
        s.add(w(5, 35), &rec(1, 1, t(2)), true);
        let merged = s.get_mut(w(0, 40), 1).expect("merged");
        assert_eq!(merged.report().iter().map(|m| m.created).collect::<Vec<_>>(), [t(2)]);
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
        s.get_mut(w(0, 10), 1).expect("state").reported = 2;
        assert_eq!(s.unreported(), 2);
    }
}
