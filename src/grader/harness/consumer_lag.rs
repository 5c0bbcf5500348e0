// `END,END,... COMMITTED,COMMITTED,...`, `-` for a partition without a committed offset.
fn answer(line: &str) -> String {
    let (ends, committed) = line.split_once(' ').expect("two fields");
    let committed: Vec<Option<u64>> = committed.split(',').map(|c| if c == "-" { None } else { Some(num(c)) }).collect();
    lag(&nums(ends, ','), &committed).to_string()
}
