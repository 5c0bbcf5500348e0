//! Exercise 6: consumer lag. See README.md beside this file.

/// The group's lag: for each partition, its log end offset minus the group's committed offset, summed.
/// `committed[p]` is None when the group never committed on partition p.
pub fn lag(log_end_offsets: &[u64], committed: &[Option<u64>]) -> u64 {
    // TODO
    todo!("lag over {} partitions ({} commits)", log_end_offsets.len(), committed.len())
}
