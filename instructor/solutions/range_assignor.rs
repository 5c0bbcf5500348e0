//! Reference solution: Kafka's RangeAssignor for one topic.

pub fn assign(members: &[&str], partitions: u32) -> Vec<(String, Vec<u32>)> {
    let mut sorted: Vec<&str> = members.to_vec();
    sorted.sort();
    let n = sorted.len() as u32;
    if n == 0 {
        return Vec::new();
    }
    let per = partitions / n;
    let extra = partitions % n;
    sorted
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let i = i as u32;
            let start = per * i + i.min(extra);
            let len = per + u32::from(i < extra);
            (m.to_string(), (start..start + len).collect())
        })
        .collect()
}
