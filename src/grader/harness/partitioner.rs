// `murmur2 HEX` or `partition HEX PARTITIONS`: the key as hex bytes.
fn answer(line: &str) -> String {
    let f: Vec<&str> = line.split(' ').collect();
    let key: Vec<u8> = (0..f[1].len() / 2).map(|i| u8::from_str_radix(&f[1][2 * i..2 * i + 2], 16).expect("hex")).collect();
    match f[0] {
        "murmur2" => murmur2(&key).to_string(),
        _ => partition(&key, num(f[2])).to_string(),
    }
}
