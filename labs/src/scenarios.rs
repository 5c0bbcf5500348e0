//! The built-in scenarios: documented TOML files under `labs/scenarios/`, compiled into the tool.

/// (name, TOML text) of every built-in scenario, sorted by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("applications", include_str!("../scenarios/applications.toml")),
    ("batch-vs-stream", include_str!("../scenarios/batch-vs-stream.toml")),
    ("bench", include_str!("../scenarios/bench.toml")),
    ("bigdata", include_str!("../scenarios/bigdata.toml")),
    ("broker-crash-acks-1", include_str!("../scenarios/broker-crash-acks-1.toml")),
    ("broker-crash-acks-all", include_str!("../scenarios/broker-crash-acks-all.toml")),
    ("flink", include_str!("../scenarios/flink.toml")),
    ("flink-vs-spark", include_str!("../scenarios/flink-vs-spark.toml")),
    ("kafka", include_str!("../scenarios/kafka.toml")),
    ("mm1", include_str!("../scenarios/mm1.toml")),
    ("quickstart", include_str!("../scenarios/quickstart.toml")),
    ("spark", include_str!("../scenarios/spark.toml")),
];

/// Benchmark models, sized by `streamlab bench` rather than run as they are by the main job.
pub const BENCH_MODELS: &[&str] = &["bench", "mm1"];

pub fn find(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The first comment paragraph of a scenario: what it shows.
pub fn description(text: &str) -> String {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use streamlab_sim::Scenario;

    #[test]
    fn every_builtin_scenario_parses_and_is_sorted() {
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for (name, text) in BUILTIN {
            let s = Scenario::from_toml(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&s.name, name, "the file's name key matches its file name");
        }
    }

    /// quickstart.toml, the file to copy, tells which values are not the defaults: a line that, left out,
    /// changes the scenario says "not the default" in its comment, and no other line says so.
    #[test]
    fn quickstart_marks_each_value_that_is_not_the_default() {
        let text = find("quickstart").unwrap();
        let parsed = |text: &str| {
            let mut s = Scenario::from_toml(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            // `idempotence = true` where Kafka's rule turns it on anyway runs the same as leaving it out.
            for p in &mut s.producers {
                p.idempotence = Some(p.idempotent());
            }
            s
        };
        let full = parsed(text);
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((key, comment)) = line.split_once(" # ") else { continue };
            if !key.contains('=') || key.trim_start().starts_with('#') {
                continue;
            }
            let without: String =
                lines.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
            let differs = parsed(&without) != full;
            assert_eq!(comment.contains("not the default"), differs, "line {}: {line}", i + 1);
        }
    }

    /// Every key line carries a comment: together the files document the schema.
    #[test]
    fn every_key_is_commented() {
        for (name, text) in BUILTIN {
            for line in text.lines() {
                let l = line.trim();
                if l.contains('=') && !l.starts_with('#') {
                    assert!(l.contains(" # "), "{name}: key without a comment: {l}");
                }
            }
        }
    }
}
