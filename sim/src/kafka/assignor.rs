//! Consumer-group partition assignors with the Java client's exact results:
//! `RangeAssignor`, `RoundRobinAssignor` and `StickyAssignor` (org.apache.kafka.clients.consumer),
//! for members that all subscribe to the same topics.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A topic partition; orders by topic name, then partition number, as Kafka's assignors sort them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: u32,
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    Range,
    RoundRobin,
    Sticky,
}

/// Member id -> its partitions, ascending.
pub type Assignment = BTreeMap<String, Vec<TopicPartition>>;

/// Assigns the partitions of `topics` (name -> partition count) to `members`. `previous` is the last
/// assignment (used only by the sticky assignor; pass an empty map for a fresh group).
pub fn assign(
    strategy: Strategy,
    members: &[String],
    topics: &BTreeMap<String, u32>,
    previous: &Assignment,
) -> Assignment {
    let mut sorted: Vec<String> = members.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut out: Assignment = sorted.iter().map(|m| (m.clone(), Vec::new())).collect();
    if sorted.is_empty() {
        return out;
    }
    match strategy {
        Strategy::Range => range(&sorted, topics, &mut out),
        Strategy::RoundRobin => {
            for (i, tp) in all_partitions(topics).into_iter().enumerate() {
                out.get_mut(&sorted[i % sorted.len()]).expect("member").push(tp);
            }
        }
        Strategy::Sticky => sticky(&sorted, topics, previous, &mut out),
    }
    for parts in out.values_mut() {
        parts.sort();
    }
    out
}

fn all_partitions(topics: &BTreeMap<String, u32>) -> Vec<TopicPartition> {
    topics.iter().flat_map(|(t, &n)| (0..n).map(move |p| TopicPartition { topic: t.clone(), partition: p })).collect()
}

/// RangeAssignor: per topic, consecutive ranges; the first `n % members` members get one extra.
fn range(sorted: &[String], topics: &BTreeMap<String, u32>, out: &mut Assignment) {
    let c = sorted.len() as u32;
    for (topic, &n) in topics {
        let per = n / c;
        let extra = n % c;
        for (i, m) in sorted.iter().enumerate() {
            let i = i as u32;
            let start = per * i + i.min(extra);
            let len = per + u32::from(i < extra);
            let parts = out.get_mut(m).expect("member");
            parts.extend((start..start + len).map(|p| TopicPartition { topic: topic.clone(), partition: p }));
        }
    }
}

/// StickyAssignor's `constrainedAssign` (AbstractStickyAssignor, all members with equal subscriptions):
/// keep up to maxQuota owned partitions each, fill members below minQuota round-robin from the sorted
/// unassigned partitions, then give the remainder one each to members at minQuota.
fn sticky(sorted: &[String], topics: &BTreeMap<String, u32>, previous: &Assignment, out: &mut Assignment) {
    let all = all_partitions(topics);
    let total = all.len();
    let c = sorted.len();
    let min_quota = total / c;
    let max_quota = total.div_ceil(c);
    let mut unassigned: std::collections::BTreeSet<TopicPartition> = all.into_iter().collect();
    let mut at_min: std::collections::VecDeque<String> = Default::default();
    let mut unfilled: Vec<String> = Vec::new();
    // Members with more than minQuota may keep maxQuota only while the total allows it.
    let mut may_exceed_min = total - min_quota * c;
    for m in sorted {
        let mut owned: Vec<TopicPartition> = previous
            .get(m)
            .map(|ps| ps.iter().filter(|tp| unassigned.contains(*tp)).cloned().collect())
            .unwrap_or_default();
        // assignOwnedPartitions keeps the first ones by partition number, then topic.
        owned.sort_by(|a, b| (a.partition, &a.topic).cmp(&(b.partition, &b.topic)));
        let keep = if owned.len() > min_quota && may_exceed_min > 0 {
            may_exceed_min -= 1;
            max_quota.min(owned.len())
        } else {
            min_quota.min(owned.len())
        };
        let parts = out.get_mut(m).expect("member");
        for tp in owned.into_iter().take(keep) {
            unassigned.remove(&tp);
            parts.push(tp);
        }
        match parts.len() {
            n if n < min_quota => unfilled.push(m.clone()),
            // At maxQuota: it takes nothing more.
            n if n == max_quota && max_quota > min_quota => {}
            _ => at_min.push_back(m.clone()),
        }
    }
    let mut pending = unassigned.into_iter();
    // Fill members below minQuota, one partition per member per round.
    while !unfilled.is_empty() {
        let mut still = Vec::new();
        let mut progressed = false;
        for m in unfilled {
            let parts = out.get_mut(&m).expect("member");
            if parts.len() < min_quota
                && let Some(tp) = pending.next()
            {
                parts.push(tp);
                progressed = true;
            }
            if parts.len() == min_quota {
                at_min.push_back(m);
            } else {
                still.push(m);
            }
        }
        unfilled = still;
        if !progressed {
            break;
        }
    }
    // The remainder: one each to members at minQuota, in the order they reached it.
    for tp in pending {
        let m = at_min.pop_front().expect("a member below maxQuota exists while partitions remain");
        out.get_mut(&m).expect("member").push(tp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(spec: &[(&str, u32)]) -> BTreeMap<String, u32> {
        spec.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }
    fn members(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }
    fn show(a: &Assignment) -> Vec<String> {
        a.iter()
            .map(|(m, ps)| format!("{m}: {}", ps.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" ")))
            .collect()
    }

    /// RangeAssignorTest.testTwoConsumersTwoTopicsSixPartitions and the RangeAssignor javadoc example.
    #[test]
    fn range_matches_kafka() {
        let a = assign(
            Strategy::Range,
            &members(&["consumer1", "consumer2"]),
            &topics(&[("t1", 3), ("t2", 3)]),
            &Assignment::new(),
        );
        assert_eq!(show(&a), ["consumer1: t1-0 t1-1 t2-0 t2-1", "consumer2: t1-2 t2-2"]);
        let a = assign(Strategy::Range, &members(&["c1", "c2", "c3"]), &topics(&[("t", 3)]), &Assignment::new());
        assert_eq!(show(&a), ["c1: t-0", "c2: t-1", "c3: t-2"]);
        // More members than partitions: the last member gets nothing.
        let a = assign(Strategy::Range, &members(&["a", "b", "c"]), &topics(&[("t", 2)]), &Assignment::new());
        assert_eq!(show(&a), ["a: t-0", "b: t-1", "c: "]);
    }

    /// RoundRobinAssignorTest.testTwoConsumersTwoTopicsSixPartitions.
    #[test]
    fn roundrobin_matches_kafka() {
        let a = assign(
            Strategy::RoundRobin,
            &members(&["consumer1", "consumer2"]),
            &topics(&[("t1", 3), ("t2", 3)]),
            &Assignment::new(),
        );
        assert_eq!(show(&a), ["consumer1: t1-0 t1-2 t2-1", "consumer2: t1-1 t2-0 t2-2"]);
    }

    /// AbstractStickyAssignorTest.testAddRemoveTwoConsumersTwoTopics: two members join a group of two.
    #[test]
    fn sticky_two_members_join_as_kafkas_test() {
        let t = topics(&[("topic1", 3), ("topic2", 4)]);
        let tp = |s: &str| {
            let (topic, p) = s.rsplit_once('-').expect("topic-partition");
            TopicPartition { topic: topic.into(), partition: p.parse().expect("number") }
        };
        let previous: Assignment = [
            ("c1".to_string(), ["topic1-0", "topic1-2", "topic2-1", "topic2-3"].map(tp).to_vec()),
            ("c2".to_string(), ["topic1-1", "topic2-0", "topic2-2"].map(tp).to_vec()),
        ]
        .into();
        let a = assign(Strategy::Sticky, &members(&["c1", "c2", "c3", "c4"]), &t, &previous);
        assert_eq!(
            show(&a),
            ["c1: topic1-0 topic2-1", "c2: topic1-1 topic2-0", "c3: topic1-2 topic2-3", "c4: topic2-2"]
        );
    }

    /// The StickyAssignor javadoc example: C0, C1, C2 subscribe to t0..t3 with two partitions each.
    #[test]
    fn sticky_fresh_group_matches_kafka_javadoc() {
        let t = topics(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)]);
        let a = assign(Strategy::Sticky, &members(&["C0", "C1", "C2"]), &t, &Assignment::new());
        assert_eq!(show(&a), ["C0: t0-0 t1-1 t3-0", "C1: t0-1 t2-0 t3-1", "C2: t1-0 t2-1"]);
        // The javadoc continues: C1 leaves. Sticky keeps C0's and C2's partitions and spreads C1's.
        let b = assign(Strategy::Sticky, &members(&["C0", "C2"]), &t, &a);
        let c0: Vec<String> = b["C0"].iter().map(|p| p.to_string()).collect();
        let c2: Vec<String> = b["C2"].iter().map(|p| p.to_string()).collect();
        for kept in ["t0-0", "t1-1", "t3-0"] {
            assert!(c0.contains(&kept.to_string()), "C0 keeps {kept}: {c0:?}");
        }
        for kept in ["t1-0", "t2-1"] {
            assert!(c2.contains(&kept.to_string()), "C2 keeps {kept}: {c2:?}");
        }
        assert_eq!((c0.len(), c2.len()), (4, 4));
        // Round robin, by contrast, moves partitions that did not need to move.
        let rr = assign(Strategy::RoundRobin, &members(&["C0", "C2"]), &t, &Assignment::new());
        assert_ne!(show(&rr), show(&b));
    }

    fn tps(list: &str) -> Vec<TopicPartition> {
        list.split_whitespace()
            .map(|s| {
                let (topic, p) = s.rsplit_once('-').expect("topic-partition");
                TopicPartition { topic: topic.into(), partition: p.parse().expect("number") }
            })
            .collect()
    }
    fn owned(spec: &[(&str, &str)]) -> Assignment {
        spec.iter().map(|(m, list)| (m.to_string(), tps(list))).collect()
    }

    #[test]
    fn strategies_parse_and_partitions_print_as_kafka_names_them() {
        // A scenario names the assignor as Kafka's `partition.assignment.strategy` short names do.
        let parse =
            |name: &str| toml::from_str::<BTreeMap<String, Strategy>>(&format!("s = \"{name}\"")).map(|m| m["s"]);
        assert_eq!(parse("range"), Ok(Strategy::Range));
        assert_eq!(parse("roundrobin"), Ok(Strategy::RoundRobin));
        assert_eq!(parse("sticky"), Ok(Strategy::Sticky));
        assert!(parse("Sticky").is_err());
        assert_eq!(tps("orders-12")[0].to_string(), "orders-12");
    }

    /// The RangeAssignor javadoc's rule with a remainder: 7 partitions over 3 members are 3 + 2 + 2; members
    /// are sorted and named twice only once; round robin deals one partition each in member order.
    #[test]
    fn range_and_roundrobin_with_a_remainder() {
        let t = topics(&[("t", 7)]);
        let m = members(&["c", "a", "b", "a"]);
        let range = assign(Strategy::Range, &m, &t, &Assignment::new());
        assert_eq!(show(&range), ["a: t-0 t-1 t-2", "b: t-3 t-4", "c: t-5 t-6"]);
        let rr = assign(Strategy::RoundRobin, &m, &t, &Assignment::new());
        assert_eq!(show(&rr), ["a: t-0 t-3 t-6", "b: t-1 t-4", "c: t-2 t-5"]);
        for s in [Strategy::Range, Strategy::RoundRobin, Strategy::Sticky] {
            assert!(assign(s, &[], &t, &Assignment::new()).is_empty(), "{s:?}: no members, no assignment");
        }
    }

    /// constrainedAssign on a fresh group: members below minQuota are filled one partition per round from
    /// the sorted partitions; the remainder goes one each to members at minQuota, first come first served.
    #[test]
    fn sticky_fresh_group_fills_round_by_round_then_the_remainder() {
        let t = topics(&[("t", 7)]);
        let a = assign(Strategy::Sticky, &members(&["a", "b", "c"]), &t, &Assignment::new());
        assert_eq!(show(&a), ["a: t-0 t-3 t-6", "b: t-1 t-4", "c: t-2 t-5"]);
        let a = assign(Strategy::Sticky, &members(&["a", "b", "c"]), &topics(&[("t", 2)]), &Assignment::new());
        assert_eq!(show(&a), ["a: t-0", "b: t-1", "c: "], "minQuota 0: only the remainder is dealt");
    }

    /// A member keeps at most maxQuota of what it owned, and only as many members keep more than minQuota
    /// as the total allows (7 over 3: one member keeps 3); what it gives up goes to those below minQuota.
    #[test]
    fn sticky_keeps_owned_partitions_up_to_the_quota() {
        let t = topics(&[("t", 7)]);
        let m = members(&["a", "b", "c"]);
        let all_on_a = owned(&[("a", "t-0 t-1 t-2 t-3 t-4 t-5 t-6")]);
        assert_eq!(show(&assign(Strategy::Sticky, &m, &t, &all_on_a)), ["a: t-0 t-1 t-2", "b: t-3 t-5", "c: t-4 t-6"]);
        let three_three_one = owned(&[("a", "t-0 t-1 t-2"), ("b", "t-3 t-4 t-5"), ("c", "t-6")]);
        assert_eq!(
            show(&assign(Strategy::Sticky, &m, &t, &three_three_one)),
            ["a: t-0 t-1 t-2", "b: t-3 t-4", "c: t-5 t-6"],
            "b may keep only minQuota: a already took the one place above it"
        );
        let t8 = topics(&[("t", 8)]);
        let four_four = owned(&[("a", "t-0 t-1 t-2 t-3"), ("b", "t-4 t-5 t-6 t-7")]);
        assert_eq!(
            show(&assign(Strategy::Sticky, &m, &t8, &four_four)),
            ["a: t-0 t-1 t-2", "b: t-4 t-5 t-6", "c: t-3 t-7"],
            "8 over 3: two members keep 3"
        );
        // Owning exactly minQuota uses none of the places above it: b, after a, still keeps 3.
        let two_three = owned(&[("a", "t-0 t-1"), ("b", "t-2 t-3 t-4")]);
        assert_eq!(show(&assign(Strategy::Sticky, &m, &t, &two_three)), ["a: t-0 t-1", "b: t-2 t-3 t-4", "c: t-5 t-6"]);
        // The remainder goes first to members at minQuota by ownership, then to those filled to it
        // (unfilledMembersWithExactlyMinQuotaPartitions, in the order they got there).
        let t3 = topics(&[("t", 3)]);
        let b_owns = owned(&[("b", "t-0")]);
        assert_eq!(show(&assign(Strategy::Sticky, &members(&["a", "b"]), &t3, &b_owns)), ["a: t-1", "b: t-0 t-2"]);
        // A member that kept maxQuota takes no more: the remainder goes to the first member at minQuota.
        let three = owned(&[("a", "t-5 t-6 t-7")]);
        assert_eq!(
            show(&assign(Strategy::Sticky, &m, &t8, &three)),
            ["a: t-5 t-6 t-7", "b: t-0 t-2 t-4", "c: t-1 t-3"]
        );
    }

    /// assignOwnedPartitions keeps the owned partitions with the lowest partition numbers first (then by
    /// topic); partitions of a departed member or of a topic gone are simply unassigned again.
    #[test]
    fn sticky_keeps_the_lowest_partition_numbers_and_forgets_what_is_gone() {
        let t = topics(&[("t0", 3), ("t1", 3)]);
        let m = members(&["a", "b"]);
        let prev = owned(&[("a", "t1-1 t0-2 t0-0 t1-0"), ("gone", "t0-1"), ("b", "t9-0")]);
        let a = assign(Strategy::Sticky, &m, &t, &prev);
        assert_eq!(show(&a), ["a: t0-0 t1-0 t1-1", "b: t0-1 t0-2 t1-2"]);
    }

    /// Whatever the previous assignment, every partition has exactly one owner and sizes differ by at
    /// most one (AbstractStickyAssignorTest.verifyValidityAndBalance), and a member that stays keeps
    /// min(owned, minQuota) of its partitions.
    #[test]
    fn sticky_is_valid_balanced_and_sticky_through_membership_changes() {
        let t = topics(&[("t0", 5), ("t1", 4)]);
        let groups: [&[&str]; 6] =
            [&["a"], &["a", "b"], &["a", "b", "c", "d"], &["b", "d"], &["b", "d", "e", "f", "g"], &["g"]];
        let mut prev = Assignment::new();
        for g in groups {
            let a = assign(Strategy::Sticky, &members(g), &t, &prev);
            let mut all: Vec<&TopicPartition> = a.values().flatten().collect();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), 9, "{g:?}: every partition once");
            assert_eq!(a.values().map(Vec::len).sum::<usize>(), 9);
            let sizes: Vec<usize> = a.values().map(Vec::len).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{g:?}: {sizes:?}");
            let min_quota = 9 / g.len();
            for (m, parts) in &a {
                let before = prev.get(m).map_or(&[][..], Vec::as_slice);
                let kept = before.iter().filter(|tp| parts.contains(tp)).count();
                assert!(kept >= before.len().min(min_quota), "{g:?}: {m} kept {kept} of {before:?}");
            }
            prev = a;
        }
    }
}
