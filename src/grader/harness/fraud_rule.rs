// `TS,ACCOUNT,AMOUNT;...`: one detector over the whole stream, a flag (0 or 1) per payment.
fn answer(line: &str) -> String {
    let mut d = FraudDetector::new();
    flags(line.split(';').map(|p| {
        let f: Vec<&str> = p.split(',').collect();
        d.on_payment(num(f[0]), num(f[1]), num(f[2]))
    }))
}
