// `tumbling TS SIZE OFFSET` or `sliding TS SIZE SLIDE`.
fn answer(line: &str) -> String {
    let f: Vec<&str> = line.split(' ').collect();
    let (ts, size, x) = (num(f[1]), num(f[2]), num(f[3]));
    match f[0] {
        "tumbling" => tumbling_start(ts, size, x).to_string(),
        _ => format!("{:?}", sliding_windows(ts, size, x)),
    }
}
