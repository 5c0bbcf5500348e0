//! Exercise 2: Kafka's RangeAssignor for one topic. See README.md beside this file.

/// Assigns partitions 0..partitions to the members; returns (member, its partitions ascending), members
/// sorted by name.
pub fn assign(members: &[&str], partitions: u32) -> Vec<(String, Vec<u32>)> {
    // TODO: sort the members; member i gets a consecutive range; the first `partitions % n` get one more.
    todo!("assign {partitions} partitions to {} members", members.len())
}
