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

/// The sticky partition choice for records without a key.
#[derive(Clone, Debug)]
pub struct StickyPartitioner {
    current: Option<u32>,
    bytes_in_current: u64,
    batch_size: u64,
}

impl StickyPartitioner {
    pub fn new(batch_size: u64) -> Self {
        StickyPartitioner { current: None, bytes_in_current: 0, batch_size }
    }

    /// The partition for the next record of `record_bytes` bytes.
    pub fn next(&mut self, partitions: u32, record_bytes: u64, rng: &mut SimRng) -> u32 {
        // KIP-794: switch once at least batch.size bytes were produced to the sticky partition.
        let p = match self.current {
            Some(p) if self.bytes_in_current < self.batch_size => p,
            _ => {
                self.bytes_in_current = 0;
                rng.random_range(0..partitions)
            }
        };
        self.current = Some(p);
        self.bytes_in_current += record_bytes;
        p
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

    #[test]
    fn sticky_partitioner_switches_after_batch_size_bytes() {
        let mut rng = crate::rng::stream(1, "sticky");
        let mut sp = StickyPartitioner::new(1000);
        let first = sp.next(100, 100, &mut rng);
        for _ in 0..9 {
            assert_eq!(sp.next(100, 100, &mut rng), first, "1000 bytes fit before the switch");
        }
        // BuiltInPartitioner: at 1000 >= batch.size produced bytes, the next record starts a new choice.
        let p = sp.next(100, 1000, &mut rng);
        assert_eq!(sp.bytes_in_current, 1000, "counted afresh");
        let mut switched = p != first;
        for _ in 0..5 {
            let p = sp.next(100, 1000, &mut rng);
            switched |= p != first;
        }
        assert!(switched);
    }
}
