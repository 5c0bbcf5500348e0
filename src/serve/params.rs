//! A live lab's controls: query parameters that change a built-in scenario. The page's URL carries them,
//! so a URL is a run; the scenario they make is downloadable TOML that `streamlab run` takes as it is.

use crate::cli::bad;
use anyhow::Result;
use std::collections::BTreeMap;
use streamlab_sim::Scenario;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::scenario::{Acks, Fault};

/// The controls, in the order the page shows them: (query name, what it sets).
pub const CONTROLS: &[(&str, &str)] = &[
    ("seed", "run.seed"),
    ("duration_ms", "run.duration_ms"),
    ("partitions", "topic.partitions"),
    ("producers", "producers[*].count"),
    ("acks", "producers[*].acks (0 or 1 also turns idempotence off, Kafka's rule)"),
    ("min_insync", "cluster.min_insync_replicas"),
    ("linger_ms", "producers[*].linger_ms"),
    ("consumers", "consumer_group.members"),
    ("trigger_ms", "spark.trigger_ms"),
    ("watermark_delay_ms", "flink.watermark_delay_ms and spark.watermark_delay_ms"),
    ("window_ms", "pipeline.window size (gap for session windows)"),
    ("allowed_lateness_ms", "flink.allowed_lateness_ms"),
    ("checkpoint_ms", "flink.checkpoint_interval_ms"),
    ("crash_broker", "a broker_crash fault: which broker"),
    ("crash_broker_at_ms", "a broker_crash fault: when"),
    ("crash_consumer", "a consumer_crash fault: which member"),
    ("crash_consumer_at_ms", "a consumer_crash fault: when"),
];

/// Refuses a parameter not among `names`: a misspelt one would be ignored and its default used in silence.
pub fn known_only(query: &BTreeMap<String, String>, names: &[&str]) -> Result<()> {
    match query.keys().find(|k| !names.contains(&k.as_str())) {
        Some(key) => Err(bad(format!("unknown parameter `{key}`; parameters: {}", names.join(", ")))),
        None => Ok(()),
    }
}

/// The built-in scenario `name` changed by `query`; errors name the parameter, or the scenario key that
/// the change made invalid.
pub fn scenario(name: &str, query: &BTreeMap<String, String>) -> Result<Scenario> {
    let text = streamlab_labs::scenarios::find(name).ok_or_else(|| crate::cli::unknown_scenario(name))?;
    let mut s = crate::cli::parse_scenario(text, &format!("built-in scenario {name}"))?;
    known_only(query, &CONTROLS.iter().map(|(k, _)| *k).collect::<Vec<_>>())?;
    // A scenario file's integers are TOML's, 64-bit signed: a larger value could not be downloaded as one.
    let num = |key: &str| -> Result<Option<u64>> {
        let Some(v) = query.get(key).filter(|v| !v.is_empty()) else { return Ok(None) };
        match v.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(n as u64)),
            _ if v.bytes().all(|b| b.is_ascii_digit()) => {
                Err(bad(format!("`{key}` = {v} is too large: at most {}", i64::MAX)))
            }
            _ => Err(bad(format!("`{key}` = `{v}` is not a whole number >= 0"))),
        }
    };
    let small = |key: &str| -> Result<Option<u32>> {
        num(key)?
            .map(|v| u32::try_from(v).map_err(|_| bad(format!("`{key}` = {v} is too large: at most {}", u32::MAX))))
            .transpose()
    };
    if let Some(v) = num("seed")? {
        s.run.seed = v;
    }
    if let Some(v) = num("duration_ms")? {
        s.run.duration_ms = v;
    }
    if let Some(v) = small("partitions")? {
        s.topic.partitions = v;
    }
    if let Some(v) = small("min_insync")? {
        s.cluster.min_insync_replicas = v;
    }
    if let Some(v) = small("consumers")? {
        s.consumer_group.members = v;
    }
    let acks = match query.get("acks").map(String::as_str) {
        None | Some("") => None,
        Some("0") => Some(Acks::None),
        Some("1") => Some(Acks::Leader),
        Some("all") => Some(Acks::All),
        Some(v) => return Err(bad(format!("`acks` = `{v}`: use 0, 1 or all"))),
    };
    let (count, linger) = (small("producers")?, num("linger_ms")?);
    for p in &mut s.producers {
        if let Some(v) = count {
            p.count = v;
        }
        if let Some(v) = linger {
            p.linger_ms = v;
        }
        if let Some(a) = acks {
            p.acks = a;
            // Left unset, idempotence follows acks as in Kafka 3.2+ (on only with acks=all).
            p.idempotence = None;
        }
    }
    if let Some(v) = num("trigger_ms")? {
        s.spark.trigger_ms = v;
    }
    if let Some(v) = num("watermark_delay_ms")? {
        s.flink.watermark_delay_ms = v;
        s.spark.watermark_delay_ms = v;
    }
    if let Some(v) = num("allowed_lateness_ms")? {
        s.flink.allowed_lateness_ms = v;
    }
    if let Some(v) = num("checkpoint_ms")? {
        s.flink.checkpoint_interval_ms = v;
    }
    if let (Some(v), Some(p)) = (num("window_ms")?, s.pipeline.as_mut()) {
        match &mut p.window {
            WindowSpec::Tumbling { size_ms } | WindowSpec::Sliding { size_ms, .. } => *size_ms = v,
            WindowSpec::Session { gap_ms } => *gap_ms = v,
            WindowSpec::None => {}
        }
    }
    if let Some(at_ms) = num("crash_broker_at_ms")? {
        let broker = small("crash_broker")?.unwrap_or(0);
        if broker >= s.cluster.brokers {
            return Err(bad(format!(
                "`crash_broker` = {broker}: the cluster has brokers 0 to {}",
                s.cluster.brokers - 1
            )));
        }
        s.faults.push(Fault::BrokerCrash { at_ms, broker });
    }
    if let Some(at_ms) = num("crash_consumer_at_ms")? {
        let member = small("crash_consumer")?.unwrap_or(0);
        if member >= s.consumer_group.members {
            return Err(bad(format!(
                "`crash_consumer` = {member}: the group has members 0 to {}",
                s.consumer_group.members.saturating_sub(1)
            )));
        }
        s.faults.push(Fault::ConsumerCrash { at_ms, member });
    }
    s.validate().map_err(|e| bad(format!("{name} with these parameters: {e}")))?;
    Ok(s)
}

/// The scenario as a file: a header saying how it was made and how to run it, then the TOML.
pub fn scenario_file(name: &str, query: &BTreeMap<String, String>, s: &Scenario) -> String {
    let params: Vec<String> = query.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "# The built-in scenario {name} with {}.\n# Run it: streamlab run {name}.toml --seed {}\n{}",
        if params.is_empty() { "no changes".to_string() } else { params.join(", ") },
        s.run.seed,
        s.to_toml()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn controls_change_the_scenario_and_the_file_runs_as_it_is() {
        let query = q(&[("acks", "1"), ("partitions", "3"), ("crash_broker", "1"), ("crash_broker_at_ms", "4000")]);
        let s = scenario("kafka", &query).unwrap();
        assert_eq!(s.topic.partitions, 3);
        assert!(s.producers.iter().all(|p| p.acks == Acks::Leader && !p.idempotent()));
        assert_eq!(s.faults.last(), Some(&Fault::BrokerCrash { at_ms: 4000, broker: 1 }));
        let file = scenario_file("kafka", &query, &s);
        assert!(file.starts_with("# The built-in scenario kafka with acks=1, crash_broker=1"), "{file}");
        assert_eq!(Scenario::from_toml(&file).unwrap(), s, "the downloaded file is the same scenario");
    }

    #[test]
    fn bad_parameters_name_the_parameter_or_the_key() {
        let err = |pairs: &[(&str, &str)]| format!("{:#}", scenario("kafka", &q(pairs)).unwrap_err());
        assert!(err(&[("partitions", "x")]).contains("`partitions` = `x` is not a whole number"));
        assert!(err(&[("seed", "-1")]).contains("`seed` = `-1` is not a whole number >= 0"));
        let e = err(&[("seed", "18446744073709551615")]);
        assert!(e.contains("`seed` = 18446744073709551615 is too large: at most 9223372036854775807"), "{e}");
        assert!(scenario("kafka", &q(&[("seed", "9223372036854775807")])).is_ok(), "the largest seed a file holds");
        assert!(err(&[("acks", "2")]).contains("`acks` = `2`: use 0, 1 or all"));
        assert!(err(&[("colour", "red")]).contains("unknown parameter `colour`"));
        assert!(err(&[("crash_broker", "7"), ("crash_broker_at_ms", "1")]).contains("brokers 0 to 2"));
        let e = err(&[("min_insync", "5")]);
        assert!(e.contains("`cluster.min_insync_replicas`: must be between 1 and"), "{e}");
        assert!(format!("{:#}", scenario("nope", &q(&[])).unwrap_err()).contains("no built-in scenario named `nope`"));
    }
}
