//! `kafka partition` and `kafka assign`: the Java client's partitioner and group assignors on their own.

use super::bad;
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use std::collections::BTreeMap;
use streamlab_sim::kafka::assignor::{self, Assignment, Strategy, TopicPartition};
use streamlab_sim::kafka::partitioner::partition_for_key;

/// Limits of `kafka assign`: far above a lesson's group, far below what exhausts memory.
const MAX_ASSIGN_MEMBERS: usize = 10_000;
const MAX_ASSIGN_PARTITIONS: u64 = 1_000_000;
const MAX_ASSIGN_PAIRS: u64 = 10_000_000;

#[derive(Subcommand)]
pub enum KafkaCommand {
    /// Which partition the Java client's default partitioner picks for each key.
    Partition {
        #[arg(long)]
        partitions: u32,
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// The assignment a consumer group gets (fresh, or after `--previous` for the sticky assignor).
    Assign {
        /// The assignor (partition.assignment.strategy).
        #[arg(long, value_enum)]
        strategy: Assignor,
        /// Member ids, comma separated: c1,c2,c3.
        #[arg(long)]
        members: String,
        /// Topics with their partition counts: t0:3,t1:3.
        #[arg(long)]
        topics: String,
        /// The previous assignment, for the sticky assignor: 'c1=t0-0,t0-2;c2=t0-1'.
        #[arg(long, default_value = "")]
        previous: String,
    },
}

/// The assignors, as the command line names them.
#[derive(Clone, Copy, ValueEnum)]
pub enum Assignor {
    Range,
    Roundrobin,
    Sticky,
}

impl From<Assignor> for Strategy {
    fn from(a: Assignor) -> Strategy {
        match a {
            Assignor::Range => Strategy::Range,
            Assignor::Roundrobin => Strategy::RoundRobin,
            Assignor::Sticky => Strategy::Sticky,
        }
    }
}

impl KafkaCommand {
    pub fn run(self) -> Result<()> {
        match self {
            KafkaCommand::Partition { partitions, keys } => {
                if partitions == 0 {
                    return Err(bad("--partitions must be at least 1"));
                }
                for k in keys {
                    println!("{k}\t{}", partition_for_key(k.as_bytes(), partitions));
                }
            }
            KafkaCommand::Assign { strategy, members, topics, previous } => {
                let members = parse_members(&members)?;
                let topics = parse_topics(&topics)?;
                let total: u64 = topics.values().map(|n| u64::from(*n)).sum();
                if total > MAX_ASSIGN_PARTITIONS {
                    return Err(bad(format!(
                        "--topics: at most {MAX_ASSIGN_PARTITIONS} partitions in all (got {total})"
                    )));
                }
                // The range assignor walks the members once per topic.
                let pairs = members.len() as u64 * topics.len() as u64;
                if pairs > MAX_ASSIGN_PAIRS {
                    return Err(bad(format!("--topics x --members: at most {MAX_ASSIGN_PAIRS} pairs (got {pairs})")));
                }
                let previous = parse_previous(&previous, &topics)?;
                for (m, parts) in &assignor::assign(strategy.into(), &members, &topics, &previous) {
                    let list: Vec<String> = parts.iter().map(ToString::to_string).collect();
                    println!("{m}: {}", list.join(" "));
                }
            }
        }
        Ok(())
    }
}

/// `c1,c2,c3`: distinct member ids.
fn parse_members(spec: &str) -> Result<Vec<String>> {
    let members: Vec<String> = spec.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from).collect();
    if members.is_empty() {
        return Err(bad("--members needs at least one member id, e.g. --members c1,c2"));
    }
    if members.len() > MAX_ASSIGN_MEMBERS {
        return Err(bad(format!("--members: at most {MAX_ASSIGN_MEMBERS} members (got {})", members.len())));
    }
    if let Some(dup) = members.iter().enumerate().find_map(|(i, m)| members[..i].contains(m).then_some(m)) {
        return Err(bad(format!("--members: `{dup}` appears twice; member ids in a group are unique")));
    }
    Ok(members)
}

fn parse_topics(spec: &str) -> Result<BTreeMap<String, u32>> {
    let mut topics = BTreeMap::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, n) = item
            .split_once(':')
            .ok_or_else(|| bad(format!("--topics: `{item}` should be NAME:PARTITIONS, e.g. t0:3")))?;
        let n: u32 =
            n.parse().map_err(|_| bad(format!("--topics: `{n}` in `{item}` is not a whole number of partitions")))?;
        if name.is_empty() {
            return Err(bad(format!("--topics: `{item}` has no topic name")));
        }
        // CreateTopics refuses fewer than one partition (INVALID_PARTITIONS).
        if n == 0 {
            return Err(bad(format!("--topics: `{item}`: a topic has at least 1 partition")));
        }
        if topics.insert(name.to_string(), n).is_some() {
            return Err(bad(format!("--topics: `{name}` appears twice; give each topic once")));
        }
    }
    if topics.is_empty() {
        return Err(bad("--topics needs at least one NAME:PARTITIONS, e.g. --topics t0:3,t1:3"));
    }
    Ok(topics)
}

/// `c1=t0-0,t0-2;c2=t0-1`: each member's partitions, which must exist in `topics`.
fn parse_previous(spec: &str, topics: &BTreeMap<String, u32>) -> Result<Assignment> {
    let mut previous = Assignment::new();
    for entry in spec.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (member, parts) = entry.split_once('=').ok_or_else(|| {
            bad(format!("--previous: `{entry}` should be MEMBER=TOPIC-PARTITION,..., e.g. c1=t0-0,t0-2"))
        })?;
        let mut owned = Vec::new();
        for item in parts.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let tp = item
                .rsplit_once('-')
                .and_then(|(t, p)| Some(TopicPartition { topic: t.to_string(), partition: p.parse().ok()? }))
                .filter(|tp| topics.get(&tp.topic).is_some_and(|&n| tp.partition < n))
                .ok_or_else(|| {
                    bad(format!("--previous: `{item}` is not a partition of --topics (TOPIC-PARTITION, e.g. t0-2)"))
                })?;
            owned.push(tp);
        }
        if previous.insert(member.trim().to_string(), owned).is_some() {
            return Err(bad(format!("--previous: member `{}` appears twice; list its partitions once", member.trim())));
        }
    }
    Ok(previous)
}
