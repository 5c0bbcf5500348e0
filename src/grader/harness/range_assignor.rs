// `MEMBER,MEMBER,... PARTITIONS`: the assignment as `m:[0, 1] n:[2]`.
fn answer(line: &str) -> String {
    let (members, partitions) = line.split_once(' ').expect("two fields");
    let members: Vec<&str> = members.split(',').collect();
    let a = assign(&members, num(partitions));
    a.iter().map(|(m, ps)| format!("{m}:{ps:?}")).collect::<Vec<_>>().join(" ")
}
