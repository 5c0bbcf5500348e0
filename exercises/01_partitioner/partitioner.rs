//! Exercise 1: Kafka's default partitioner. See README.md beside this file.

/// MurmurHash2 (32 bit) of `data`, exactly as Kafka's `Utils.murmur2`.
pub fn murmur2(data: &[u8]) -> i32 {
    // TODO: seed 0x9747b28c ^ length, m = 0x5bd1e995, r = 24; 4-byte little-endian blocks, then the tail.
    todo!("murmur2 of {} bytes", data.len())
}

/// The partition Kafka's producer picks for a record with this key.
pub fn partition(key: &[u8], num_partitions: u32) -> u32 {
    // TODO: toPositive(murmur2(key)) % num_partitions
    todo!("partition of a {}-byte key among {num_partitions}", key.len())
}
