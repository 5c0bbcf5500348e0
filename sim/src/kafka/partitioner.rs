//! Kafka's default partitioner, bit for bit as the Java client.
//!
//! Keyed records: `Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions`
//! (org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey).
//! Records without a key use the sticky partitioner of KIP-480 / KIP-794: stay on one partition until
//! `batch.size` bytes went to it, then move to another chosen at random.

use crate::rng::SimRng;
use rand::RngExt;

/// MurmurHash2, 32 bit, seed 0x9747b28c, as `org.apache.kafka.common.utils.Utils.murmur2`.
pub fn murmur2(data: &[u8]) -> i32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = 0x9747_b28c ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    // The Java switch falls through from case 3 to case 1.
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// `Utils.toPositive`: clears the sign bit (not `abs`, which overflows on i32::MIN).
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition of a keyed record.
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    to_positive(murmur2(key)) as u32 % partitions
}

/// The sticky partition choice for records without a key (KIP-794, BuiltInPartitioner).
#[derive(Clone, Debug)]
pub struct StickyPartitioner {
    current: Option<u32>,
    produced_bytes: u64,
    batch_size: u64,
}

impl StickyPartitioner {
    pub fn new(batch_size: u64) -> Self {
        StickyPartitioner { current: None, produced_bytes: 0, batch_size }
    }

    /// The partition for the next record: the sticky one, or after a switch a uniform draw among the
    /// `available()` partitions `has_leader` names (all of them when none has a leader), as `nextPartition`
    /// draws from `availablePartitionsForTopic`. Adaptive partitioning's weighting by queue size is not
    /// modelled.
    pub fn partition(
        &mut self,
        partitions: u32,
        available: impl FnOnce() -> u32,
        has_leader: impl Fn(u32) -> bool,
        rng: &mut SimRng,
    ) -> u32 {
        if let Some(p) = self.current {
            return p;
        }
        let p = match available() {
            0 => rng.random_range(0..partitions),
            n if n == partitions => rng.random_range(0..n),
            n => {
                let k = rng.random_range(0..n) as usize;
                (0..partitions).filter(|&p| has_leader(p)).nth(k).expect("k < available")
            }
        };
        self.current = Some(p);
        p
    }

    /// A record of `bytes` went to the sticky partition (updatePartitionInfo): switch once batch.size bytes
    /// were produced there and its last batch is full, so that a batch is not left part filled; or once
    /// twice batch.size were, whatever the batches.
    pub fn appended(&mut self, bytes: u64, last_batch_full: bool) {
        self.produced_bytes += bytes;
        if self.produced_bytes >= self.batch_size * 2 || (self.produced_bytes >= self.batch_size && last_batch_full) {
            self.current = None;
            self.produced_bytes = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vectors of Kafka's `UtilsTest.testMurmur2`.
    #[test]
    fn murmur2_matches_kafka_utils_test() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973932308),
            (b"foobar", -790332482),
            (b"a-little-bit-long-string", -985981536),
            (b"a-little-bit-longer-string", -1486304829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
            (b"abc", 479470107),
        ];
        for (key, want) in cases {
            assert_eq!(murmur2(key), want, "key {:?}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn to_positive_clears_only_the_sign_bit() {
        assert_eq!(to_positive(-1), 0x7fff_ffff);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(5), 5);
        // -973932308 & 0x7fffffff = 1173551340; 1173551340 % 12 = 0
        assert_eq!(partition_for_key(b"21", 12), 1173551340 % 12);
        // 479470107 % 12 = 3; -790332482 & 0x7fffffff = 1357151166, % 12 = 6.
        assert_eq!(partition_for_key(b"abc", 12), 3);
        assert_eq!(partition_for_key(b"foobar", 12), 6);
    }

    /// BuiltInPartitioner.updatePartitionInfo: batch.size bytes switch only with the last batch full; a
    /// part-filled batch keeps the partition until twice batch.size.
    #[test]
    fn the_sticky_partition_switches_at_batch_size_with_a_full_batch_or_at_twice_batch_size() {
        let mut rng = crate::rng::stream(1, "sticky");
        let mut sp = StickyPartitioner::new(1000);
        let first = sp.partition(100, || 100, |_| true, &mut rng);
        sp.appended(999, true);
        assert_eq!(sp.partition(100, || 100, |_| true, &mut rng), first, "999 bytes: below batch.size");
        sp.appended(1, false);
        assert_eq!(sp.partition(100, || 100, |_| true, &mut rng), first, "1000 bytes, but a batch only part filled");
        sp.appended(999, false);
        assert_eq!(sp.partition(100, || 100, |_| true, &mut rng), first, "1999 bytes");
        sp.appended(1, false);
        assert_eq!((sp.current, sp.produced_bytes), (None, 0), "2000 bytes: a new draw");
        let _ = sp.partition(100, || 100, |_| true, &mut rng);
        sp.appended(1000, true);
        assert_eq!(sp.current, None, "1000 bytes and the last batch full");
    }

    /// nextPartition draws among the partitions with a leader; with none, among all.
    #[test]
    fn the_sticky_partition_is_drawn_among_partitions_with_a_leader() {
        let mut rng = crate::rng::stream(1, "sticky");
        let mut sp = StickyPartitioner::new(1);
        let mut seen = [0u32; 4];
        for _ in 0..400 {
            seen[sp.partition(4, || 2, |p| p % 2 == 1, &mut rng) as usize] += 1;
            sp.appended(1, true);
        }
        assert_eq!((seen[0], seen[2]), (0, 0));
        assert!(seen[1] > 150 && seen[3] > 150, "{seen:?}");
        let mut seen = [0u32; 4];
        for _ in 0..400 {
            seen[sp.partition(4, || 0, |_| false, &mut rng) as usize] += 1;
            sp.appended(1, true);
        }
        assert!(seen.iter().all(|&n| n > 50), "{seen:?}");
    }
}
