//! A hasher for small integer keys (record keys, node numbers): one multiplication per word, where the
//! standard SipHash spends tens of cycles. Deterministic; no table's iteration order may reach results.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Clone, Copy, Debug, Default)]
pub struct IntHasher(u64);

/// Build hasher for `HashMap<K, V, IntHash>`.
pub type IntHash = BuildHasherDefault<IntHasher>;

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(32) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
