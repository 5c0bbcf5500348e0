// `FIRST-LAST,FIRST-LAST,... BASE_SEQ` (`-` alone for no recent batches): the decision's name.
fn answer(line: &str) -> String {
    let (recent, base) = line.split_once(' ').expect("two fields");
    let recent: Vec<(u32, u32)> = recent
        .split(',')
        .filter(|b| *b != "-")
        .map(|b| {
            let (first, last) = b.split_once('-').expect("FIRST-LAST");
            (num(first), num(last))
        })
        .collect();
    format!("{:?}", check(&recent, num(base)))
}
