//! A deliberately wrong solution: round robin instead of ranges.

pub fn assign(members: &[&str], partitions: u32) -> Vec<(String, Vec<u32>)> {
    let mut sorted: Vec<&str> = members.to_vec();
    sorted.sort();
    let mut out: Vec<(String, Vec<u32>)> = sorted.iter().map(|m| (m.to_string(), Vec::new())).collect();
    if out.is_empty() {
        return out;
    }
    let n = out.len();
    for p in 0..partitions {
        out[p as usize % n].1.push(p);
    }
    out
}
