// `MODE DELAY TS,TS,...`: the watermark before any event (`initial`), after each event (`each`) or after
// the last one (`final`).
fn answer(line: &str) -> String {
    let f: Vec<&str> = line.split(' ').collect();
    let mut w = BoundedOutOfOrderness::new(num(f[1]));
    let events: Vec<i64> = nums(f.get(2).unwrap_or(&""), ',');
    match f[0] {
        "initial" => w.current_watermark().to_string(),
        "each" => events
            .iter()
            .map(|&e| {
                w.on_event(e);
                w.current_watermark().to_string()
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => {
            events.iter().for_each(|&e| w.on_event(e));
            w.current_watermark().to_string()
        }
    }
}
