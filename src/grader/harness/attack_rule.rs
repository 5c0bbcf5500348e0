// `TS,SRC,PORT,BYTES;...`: one detector over the whole stream, a flag (0 or 1) per flow.
fn answer(line: &str) -> String {
    let mut d = AttackDetector::new();
    flags(line.split(';').map(|p| {
        let f: Vec<&str> = p.split(',').collect();
        d.on_flow(num(f[0]), f[1], num(f[2]), num(f[3]))
    }))
}
