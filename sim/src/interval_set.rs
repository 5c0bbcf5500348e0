//! A set of u32 sequence numbers stored as disjoint half-open ranges: the ledger's memory grows with the
//! number of gaps, not with the number of records.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct IntervalSet {
    ranges: BTreeMap<u32, u32>, // start -> end (exclusive)
    len: u64,
}

impl IntervalSet {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn contains(&self, x: u32) -> bool {
        self.ranges.range(..=x).next_back().is_some_and(|(_, &end)| x < end)
    }

    /// Inserts [start, end); returns how many of those values were already present.
    pub fn insert_range(&mut self, start: u32, end: u32) -> u64 {
        if start >= end {
            return 0;
        }
        // Fast path: appending right after the last range (the common, in-order case).
        if let Some((_, last_end)) = self.ranges.iter_mut().next_back()
            && *last_end == start
        {
            *last_end = end;
            self.len += u64::from(end - start);
            return 0;
        }
        let mut new_start = start;
        let mut new_end = end;
        let mut overlap = 0u64;
        // Ranges that overlap or touch [start, end).
        let touching: Vec<(u32, u32)> =
            self.ranges.range(..=end).rev().take_while(|(_, e)| **e >= start).map(|(&s, &e)| (s, e)).collect();
        for (s, e) in touching {
            let lo = s.max(start);
            let hi = e.min(end);
            if hi > lo {
                overlap += u64::from(hi - lo);
            }
            new_start = new_start.min(s);
            new_end = new_end.max(e);
            self.len -= u64::from(e - s);
            self.ranges.remove(&s);
        }
        self.ranges.insert(new_start, new_end);
        self.len += u64::from(new_end - new_start);
        overlap
    }

    /// How many values of `self` are not in `other`.
    pub fn count_not_in(&self, other: &IntervalSet) -> u64 {
        let mut missing = 0;
        for (&s, &e) in &self.ranges {
            let mut covered = 0u64;
            // Ranges of `other` that may overlap [s, e).
            let first = other.ranges.range(..=s).next_back().map_or(s, |(&os, _)| os);
            for (&os, &oe) in other.ranges.range(first..e) {
                let lo = os.max(s);
                let hi = oe.min(e);
                if hi > lo {
                    covered += u64::from(hi - lo);
                }
            }
            missing += u64::from(e - s) - covered;
        }
        missing
    }

    /// The values of `self` that are not in `other`.
    pub fn difference(&self, other: &IntervalSet) -> IntervalSet {
        let mut out = IntervalSet::default();
        for (&s, &e) in &self.ranges {
            let mut at = s;
            let first = other.ranges.range(..=s).next_back().map_or(s, |(&os, _)| os);
            for (&os, &oe) in other.ranges.range(first..e) {
                if oe <= at {
                    continue;
                }
                if os > at {
                    out.insert_range(at, os);
                }
                at = oe;
                if at >= e {
                    break;
                }
            }
            if at < e {
                out.insert_range(at, e);
            }
        }
        out
    }

    pub fn range_count(&self) -> usize {
        self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_merge_and_count_overlap() {
        let mut s = IntervalSet::default();
        assert_eq!(s.insert_range(0, 10), 0);
        assert_eq!(s.insert_range(10, 20), 0);
        assert_eq!(s.range_count(), 1);
        assert_eq!(s.insert_range(30, 40), 0);
        assert_eq!(s.insert_range(15, 35), 10, "15..20 and 30..35 were present");
        assert_eq!(s.range_count(), 1);
        assert_eq!(s.len(), 40);
        assert!(s.contains(0) && s.contains(39) && !s.contains(40));
    }

    #[test]
    fn difference_counts_missing_values() {
        let mut a = IntervalSet::default();
        a.insert_range(0, 100);
        let mut b = IntervalSet::default();
        b.insert_range(0, 10);
        b.insert_range(50, 60);
        b.insert_range(95, 200);
        assert_eq!(a.count_not_in(&b), 100 - 10 - 10 - 5);
        let d = a.difference(&b);
        assert_eq!((d.len(), d.range_count()), (75, 2));
        assert!(d.contains(10) && d.contains(94) && !d.contains(5) && !d.contains(55) && !d.contains(95));
        assert_eq!(b.count_not_in(&a), 100);
    }

    #[test]
    fn agrees_with_a_set_of_every_value_under_random_inserts() {
        use crate::rng::stream;
        use rand::RngExt;
        use std::collections::BTreeSet;
        let mut rng = stream(7, "interval-set");
        let random_set = |rng: &mut crate::rng::SimRng| {
            let (mut set, mut values) = (IntervalSet::default(), BTreeSet::new());
            for _ in 0..200 {
                let start = rng.random_range(0..300u32);
                let end = start + rng.random_range(0..12u32);
                let present = (start..end).filter(|v| values.contains(v)).count() as u64;
                assert_eq!(set.insert_range(start, end), present, "[{start}, {end})");
                values.extend(start..end);
                assert_eq!(set.len(), values.len() as u64);
            }
            (set, values)
        };
        for _ in 0..20 {
            let ((a, va), (b, vb)) = (random_set(&mut rng), random_set(&mut rng));
            assert!((0..320).all(|v| a.contains(v) == va.contains(&v)));
            assert_eq!(a.count_not_in(&b), va.difference(&vb).count() as u64);
            let d = a.difference(&b);
            assert!((0..320).all(|v| d.contains(v) == (va.contains(&v) && !vb.contains(&v))));
        }
    }
}
