//! Keyed window state shared by the engines: an aggregate per (window, key), with the creation times
//! of its records so that each record's result latency can be measured when the result is emitted.

use super::window::Window;
use super::{Output, OutputKind};
use crate::time::SimTime;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct Agg {
    pub count: u64,
    pub sum: i64,
    pub min: i64,
    pub max: i64,
    pub created: Vec<SimTime>,
    /// How many times this window was emitted (late firings re-emit it).
    pub fired: u32,
    /// Changed since it was last emitted.
    pub dirty: bool,
    /// How many of `created` were already in an emitted result.
    pub reported: usize,
}

impl Agg {
    fn new() -> Self {
        Agg { count: 0, sum: 0, min: i64::MAX, max: i64::MIN, created: Vec::new(), fired: 0, dirty: false, reported: 0 }
    }

    fn add(&mut self, value: i64, created: SimTime) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.created.push(created);
        self.dirty = true;
    }

    fn merge(&mut self, other: Agg) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.created.extend(other.created);
        self.fired = self.fired.max(other.fired);
        self.dirty = true;
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
            watermark: i64::MIN,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct WindowState {
    windows: BTreeMap<(Window, u32), Agg>,
}

impl WindowState {
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Adds a value to (window, key); with `merge_sessions`, first merges every window of the key that
    /// intersects it (MergingWindowSet). Returns the window the value landed in.
    pub fn add(&mut self, mut w: Window, key: u32, value: i64, created: SimTime, merge_sessions: bool) -> Window {
        let mut agg = Agg::new();
        if merge_sessions {
            let overlapping: Vec<Window> =
                self.windows.keys().filter(|(x, k)| *k == key && x.intersects(&w)).map(|(x, _)| *x).collect();
            for x in overlapping {
                let old = self.windows.remove(&(x, key)).expect("listed");
                agg.merge(old);
                w = w.cover(&x);
            }
        }
        let entry = self.windows.entry((w, key)).or_insert_with(Agg::new);
        entry.merge(agg);
        entry.add(value, created);
        w
    }

    /// The window `w` lands in once merged with the key's intersecting sessions (MergingWindowSet.addWindow).
    pub fn merged(&self, w: Window, key: u32) -> Window {
        self.windows.keys().filter(|(x, k)| *k == key && x.intersects(&w)).fold(w, |acc, (x, _)| acc.cover(x))
    }

    pub fn get_mut(&mut self, w: Window, key: u32) -> Option<&mut Agg> {
        self.windows.get_mut(&(w, key))
    }

    /// Windows matching `pred`, in (end, start, key) order: the order timers fire in.
    pub fn select(&self, pred: impl Fn(&Window, &Agg) -> bool) -> Vec<(Window, u32)> {
        let mut v: Vec<(Window, u32)> = self.windows.iter().filter(|((w, _), a)| pred(w, a)).map(|(k, _)| *k).collect();
        v.sort_by_key(|(w, k)| (w.end, w.start, *k));
        v
    }

    pub fn remove(&mut self, w: Window, key: u32) -> Option<Agg> {
        self.windows.remove(&(w, key))
    }

    pub fn retain(&mut self, keep: impl Fn(&Window) -> bool) {
        self.windows.retain(|(w, _), _| keep(w));
    }

    /// Records held in windows that have not been emitted with them yet.
    pub fn unreported(&self) -> u64 {
        self.windows.values().map(|a| (a.created.len() - a.reported) as u64).sum()
    }
}
