//! Exercise 8: the broker's duplicate check for an idempotent producer. See README.md beside this file.

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// The batch continues the producer's sequence: write it.
    Append,
    /// A retry of a batch already in the log: acknowledge it, do not write it again.
    Duplicate,
    /// A batch is missing before this one: reject it, the producer retries in order.
    OutOfOrder,
}

/// `recent` holds (first sequence, last sequence) of the producer's last batches in this partition,
/// oldest first; `base_seq` is the first sequence number of the arriving batch.
pub fn check(recent: &[(u32, u32)], base_seq: u32) -> Decision {
    // TODO
    todo!("check batch {base_seq} against {} recent batches", recent.len())
}
