//! A deliberately wrong solution: CRC32 instead of murmur2.

pub fn murmur2(data: &[u8]) -> i32 {
    let mut crc: u32 = 0xffff_ffff;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc as i32
}

pub fn partition(key: &[u8], num_partitions: u32) -> u32 {
    (murmur2(key) & 0x7fff_ffff) as u32 % num_partitions
}
