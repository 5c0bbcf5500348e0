//! Reference solution: the broker's sequence-number check for an idempotent producer.

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Append,
    Duplicate,
    OutOfOrder,
}

pub fn check(recent: &[(u32, u32)], base_seq: u32) -> Decision {
    match recent.last() {
        None => Decision::Append,
        Some(&(_, last)) if base_seq == last.wrapping_add(1) => Decision::Append,
        Some(_) if recent.iter().any(|&(b, _)| b == base_seq) => Decision::Duplicate,
        Some(_) => Decision::OutOfOrder,
    }
}
