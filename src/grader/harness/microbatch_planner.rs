// `TRIGGER_MS LAST_TRIGGER_MS LAST_END_MS`.
fn answer(line: &str) -> String {
    let f: Vec<u64> = nums(line, ' ');
    next_batch_start(f[0], f[1], f[2]).to_string()
}
