//! A small ordered map kept as one sorted array: what a producer or a broker holds at a time (requests in
//! flight, requests in purgatory, parked fetches). Request ids grow, so inserts land at the end and most
//! removals at the front, without the tree node a `BTreeMap` allocates and frees as it goes from empty to
//! one entry and back, once per record. Iteration is in key order, as a `BTreeMap`'s.

use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct SortedMap<K, V> {
    entries: VecDeque<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap { entries: VecDeque::new() }
    }
}

impl<K: Ord + Copy, V> SortedMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Where `key` is, or where it would go.
    fn find(&self, key: &K) -> Result<usize, usize> {
        // The common cases first: a key above every other (a new request id), the oldest entry (the
        // request answered next).
        match (self.entries.front(), self.entries.back()) {
            (None, _) | (_, None) => Err(0),
            (_, Some((last, _))) if last < key => Err(self.entries.len()),
            (Some((first, _)), _) if first == key => Ok(0),
            _ => self.entries.binary_search_by(|(k, _)| k.cmp(key)),
        }
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_ok()
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.find(key).ok()?;
        self.remove_at(i).map(|(_, v)| v)
    }

    /// How many keys come before the first for which `after` holds (`after` false, then true, in key order).
    pub fn partition_point(&self, mut after: impl FnMut(&K) -> bool) -> usize {
        self.entries.partition_point(|(k, _)| !after(k))
    }

    /// The entry at `index` in key order, taken out.
    pub fn remove_at(&mut self, index: usize) -> Option<(K, V)> {
        // The oldest entry without `VecDeque::remove`'s general shifting.
        if index == 0 { self.entries.pop_front() } else { self.entries.remove(index) }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entry at `index` in key order.
    pub fn get_index(&self, index: usize) -> Option<(&K, &V)> {
        self.entries.get(index).map(|(k, v)| (k, v))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord + Copy, V> std::ops::Index<&K> for SortedMap<K, V> {
    type Output = V;

    fn index(&self, key: &K) -> &V {
        self.get(key).expect("no entry for the key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Inserts in and out of order, replacements, removals and retains, checked against a `BTreeMap`.
    #[test]
    fn behaves_as_a_btree_map() {
        let mut ours = SortedMap::new();
        let mut theirs = BTreeMap::new();
        let mut x: u64 = 11;
        for step in 0..5_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let r = x >> 33;
            // Mostly growing keys, as request ids; now and then one below, as a request arriving late.
            let key = if r.is_multiple_of(5) { step.saturating_sub(r % 40) } else { step };
            match r % 7 {
                0..=2 => assert_eq!(ours.insert(key, step), theirs.insert(key, step)),
                3 | 4 => assert_eq!(ours.remove(&key.saturating_sub(r % 9)), theirs.remove(&key.saturating_sub(r % 9))),
                5 => assert_eq!(ours.get_mut(&key).map(|v| *v), theirs.get_mut(&key).map(|v| *v)),
                _ if step.is_multiple_of(100) => {
                    ours.retain(|k, _| k % 3 != 0);
                    theirs.retain(|k, _| k % 3 != 0);
                }
                _ => assert_eq!(ours.contains_key(&key), theirs.contains_key(&key)),
            }
            assert!(ours.iter().eq(theirs.iter()), "at step {step}");
        }
        assert!(ours.len() > 100, "the map grew: {}", ours.len());
        let first = *ours.keys().next().expect("entries");
        assert_eq!(ours[&first], theirs[&first]);
        assert_eq!(ours.remove_at(0), theirs.pop_first());
    }
}
