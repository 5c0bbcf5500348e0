//! The delivery guarantees Kafka documents, checked on whole simulated runs: what acks, replication,
//! min.insync.replicas, clean election and idempotence promise, and what they do not.

use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, World};

fn run(toml: &str) -> Results {
    let s = Scenario::from_toml(toml).unwrap_or_else(|e| panic!("{e}"));
    let mut w = World::new(&s);
    w.run().expect("run completes");
    Results::of(&w)
}

const CLUSTER: &str = r#"
[run]
seed = 11
duration_ms = 12000
drain_ms = 60000
[cluster]
brokers = 3
network_delay = { dist = "exponential", mean_ms = 0.3 }
append_time = { dist = "exponential", mean_ms = 0.05 }
broker_session_timeout_ms = 2000
{cluster}
[topic]
partitions = 6
replication_factor = 3
[consumer_group]
members = 3
initial_rebalance_delay_ms = 0
{group}
processing_time = { dist = "constant", ms = 0.02 }
"#;

/// Replication slows for 4 s, then broker 0 (a leader) dies at 5 s and returns at 9 s.
const SLOW_REPLICATION_THEN_LEADER_CRASH: &str = r#"
[[faults]]
kind = "network_spike"
at_ms = 2000
duration_ms = 4000
extra_ms = 3000.0
scope = "replication"
[[faults]]
kind = "broker_crash"
at_ms = 5000
broker = 0
[[faults]]
kind = "broker_restart"
at_ms = 9000
broker = 0
"#;

/// The shared cluster with extra `[cluster]` and `[consumer_group]` lines, then `rest`.
fn scenario(cluster: &str, group: &str, rest: &str) -> String {
    CLUSTER.replace("{cluster}", cluster).replace("{group}", group) + rest
}

#[test]
fn acks_all_with_min_isr_2_and_clean_election_loses_nothing_when_a_leader_dies() {
    let r = run(&scenario(
        "min_insync_replicas = 2",
        "",
        r#"
[[producers]]
count = 2
rate_per_s = 3000.0
acks = "all"
request_timeout_ms = 1500
[[faults]]
kind = "broker_crash"
at_ms = 4000
broker = 0
"#,
    ));
    assert!(r.kafka.leader_elections >= 2, "broker 0 led partitions 0 and 3: {:?}", r.kafka);
    assert_eq!(r.kafka.unclean_leader_elections, 0);
    assert!(r.kafka.request_timeouts > 0, "requests to the dead leader timed out and were retried");
    assert_eq!(
        r.ledger.acknowledged, r.ledger.produced,
        "every record was eventually acknowledged: {:?} {:?}",
        r.ledger, r.kafka
    );
    assert_eq!(r.ledger.lost, 0, "{:?}", r.ledger);
    assert_eq!(r.ledger.duplicated, 0, "idempotence (on by default) absorbs the retries");
}

/// Replication slows for 3 s from 2 s on, then broker 0 (a leader) dies at 4.5 s.
const SPIKE_THEN_LEADER_CRASH: &str = r#"
[[faults]]
kind = "network_spike"
at_ms = 2000
duration_ms = 3000
extra_ms = 2000.0
scope = "replication"
[[faults]]
kind = "broker_crash"
at_ms = 4500
broker = 0
"#;

/// Two acks=1 producers (with `producer_extra` keys); replication slowed for 3 s; broker 0, a leader, dies.
fn acks_1_leader_crash(producer_extra: &str) -> String {
    format!(
        r#"
[[producers]]
count = 2
rate_per_s = 3000.0
acks = "1"
idempotence = false
request_timeout_ms = 1500
{producer_extra}
"#
    ) + SPIKE_THEN_LEADER_CRASH
}

#[test]
fn acks_1_loses_acknowledged_records_even_with_clean_election_and_the_ledger_counts_them() {
    let r = run(&scenario("unclean_leader_election = false", "", &acks_1_leader_crash("")));
    assert!(r.kafka.leader_elections >= 1, "{:?}", r.kafka);
    assert_eq!(r.kafka.unclean_leader_elections, 0, "the followers were still in the ISR, only behind");
    assert!(r.kafka.records_truncated > 0);
    assert!(r.ledger.lost > 0, "acknowledged records only the dead leader had are gone: {:?}", r.ledger);
    assert!(r.ledger.lost <= r.kafka.records_truncated, "loss comes from truncation and nothing else");
}

/// Unclean election: the followers fell out of the ISR; with unclean.leader.election.enable one of them
/// leads anyway and the partition stays available. Without it, the partition stays offline.
#[test]
fn unclean_election_trades_availability_for_truncation() {
    let faults = acks_1_leader_crash("delivery_timeout_ms = 4000");
    let unclean = run(&scenario("unclean_leader_election = true\nreplica_lag_time_max_ms = 1000", "", &faults));
    let clean = run(&scenario("unclean_leader_election = false\nreplica_lag_time_max_ms = 1000", "", &faults));
    assert!(unclean.kafka.unclean_leader_elections >= 1, "{:?}", unclean.kafka);
    assert_eq!(unclean.ledger.failed, 0, "the partition had a leader again: {:?}", unclean.ledger);
    assert_eq!(clean.kafka.unclean_leader_elections, 0);
    assert!(clean.kafka.offline_partition_events >= 1, "{:?}", clean.kafka);
    assert!(clean.ledger.failed > 0, "sends to the offline partitions fail after delivery.timeout.ms");
}

/// Every request is slowed past request.timeout.ms for a while: the producer retries batches the broker
/// already appended. Without idempotence the log holds them twice; with it, the broker drops the copies.
#[test]
fn idempotence_turns_retries_into_no_duplicates() {
    let base = scenario(
        "",
        "",
        r#"
[[faults]]
kind = "network_spike"
at_ms = 3000
duration_ms = 500
extra_ms = 400.0
[[producers]]
count = 1
rate_per_s = 2000.0
acks = "all"
request_timeout_ms = 300
"#,
    );
    let without = run(&(base.clone() + "idempotence = false\n"));
    let with = run(&(base + "idempotence = true\n"));
    assert!(without.kafka.retries > 0 && with.kafka.retries > 0);
    assert!(without.ledger.duplicated > 0, "retries without idempotence duplicate: {:?}", without.ledger);
    assert_eq!(with.ledger.duplicated, 0, "{:?}", with.ledger);
    assert!(with.kafka.duplicate_batches_rejected > 0, "the broker recognised the retried batches");
    assert_eq!((with.ledger.lost, without.ledger.lost), (0, 0));
}

/// A consumer that dies without committing: its partitions are reassigned after session.timeout.ms and
/// the records it processed since its last auto-commit are processed again (at-least-once).
#[test]
fn a_consumer_crash_pauses_its_partitions_and_redelivers_uncommitted_records() {
    let r = run(&scenario(
        "",
        "session_timeout_ms = 6000\nheartbeat_interval_ms = 1000",
        r#"
[[producers]]
rate_per_s = 2000.0
[[faults]]
kind = "consumer_crash"
at_ms = 4000
member = 1
"#,
    ));
    assert_eq!(r.kafka.rebalances, 2, "the initial join and the one after the crash");
    assert!(r.ledger.duplicated > 0, "{:?}", r.ledger);
    assert_eq!(r.ledger.lost, 0);
    assert!(
        r.end_to_end_latency_ms.max_ms >= 5000.0,
        "records of the dead member's partitions waited for the session timeout: {}",
        r.end_to_end_latency_ms.max_ms
    );
    assert_eq!(r.final_consumer_lag, 0);
}

/// One partition, Poisson arrivals, exponential service, one record per request: an M/M/1 queue whose
/// mean time in system is 1 / (mu - lambda).
#[test]
fn a_single_partition_behaves_as_an_mm1_queue() {
    let r = run(r#"
[run]
seed = 3
duration_ms = 200000
[cluster]
brokers = 1
network_delay = { dist = "constant", ms = 0.0 }
append_time = { dist = "exponential", mean_ms = 1.0 }
[topic]
partitions = 1
replication_factor = 1
[[producers]]
rate_per_s = 600.0
linger_ms = 0
acks = "1"
idempotence = false
max_in_flight = 100000
[consumer_group]
members = 1
"#);
    let lambda = 600.0;
    let mu = 1000.0;
    let expected_ms = 1000.0 / (mu - lambda); // 2.5 ms
    let got = r.produce_latency_ms.mean_ms;
    assert!(
        (got - expected_ms).abs() / expected_ms < 0.05,
        "mean time in system {got} ms, M/M/1 says {expected_ms} ms"
    );
    assert_eq!(r.kafka.produce_requests, r.ledger.produced, "one record per request");
}

#[test]
fn same_seed_same_results_and_another_seed_differs() {
    let s = Scenario::from_toml(&scenario("", "", "[[producers]]\nrate_per_s = 1500.0\n")).unwrap();
    let once = |seed: u64| {
        let mut s = s.clone();
        s.run.seed = seed;
        let mut w = World::new(&s);
        w.run().unwrap();
        Results::of(&w).to_json()
    };
    assert_eq!(once(5), once(5));
    assert_ne!(once(5), once(6));
}

/// The shared scenario with another per-record processing time.
fn with_processing_ms(toml: String, ms: f64) -> String {
    toml.replace(
        "processing_time = { dist = \"constant\", ms = 0.02 }",
        &format!("processing_time = {{ dist = \"constant\", ms = {ms:?} }}"),
    )
}

/// A results field by its JSON path (the names labs and tests read).
fn field(r: &Results, path: &[&str]) -> u64 {
    let mut v = serde_json::to_value(r).expect("results serialize");
    for k in path {
        v = v[*k].take();
    }
    v.as_u64().unwrap_or_else(|| panic!("results has no number at {path:?}"))
}

/// The safe configuration under the failure that makes acks=1 lose: replication slowed past
/// request.timeout.ms (the producer retries batches the leader already has), then the leader dies.
fn acks_all_slow_replication_then_crash(seed: u64, lag_max_ms: u64) -> String {
    (scenario(
        &format!("min_insync_replicas = 2\nreplica_lag_time_max_ms = {lag_max_ms}"),
        "",
        r#"
[[producers]]
count = 2
rate_per_s = 3000.0
acks = "all"
idempotence = true
request_timeout_ms = 1500
"#,
    ) + SPIKE_THEN_LEADER_CRASH
        + "[[faults]]\nkind = \"broker_restart\"\nat_ms = 9000\nbroker = 0\n")
        .replace("seed = 11", &format!("seed = {seed}"))
}

/// Defect: a retried batch the leader already had was acknowledged at once, before the followers had it
/// (DelayedProduce waits for the original batch's last offset, as ReplicaManager does).
#[test]
fn a_duplicate_retry_is_acknowledged_only_once_the_original_is_replicated() {
    for seed in 1..=4 {
        let r = run(&acks_all_slow_replication_then_crash(seed, 30_000));
        assert!(r.kafka.duplicate_batches_rejected > 0, "seed {seed}: retries reached the leader: {:?}", r.kafka);
        assert_eq!(r.kafka.unclean_leader_elections, 0);
        assert_eq!(r.ledger.lost, 0, "seed {seed}: {:?}", r.ledger);
    }
}

/// Records appended while the ISR was large enough, whose ISR then shrank below min.insync.replicas,
/// wait: the HW holds (Kafka 3.7+, KAFKA-15583), the produces time out, and their retries are refused
/// before the append (NOT_ENOUGH_REPLICAS) until the followers are back. Nothing is lost.
#[test]
fn an_isr_that_shrinks_after_the_append_holds_the_produce() {
    for seed in 1..=4 {
        let r = run(&acks_all_slow_replication_then_crash(seed, 1_000));
        let k = &r.kafka;
        assert!(k.isr_shrinks > 0 && k.request_timeouts > 0, "seed {seed}: produces waited out the shrink: {k:?}");
        assert!(k.not_enough_replicas_errors > 0, "seed {seed}: retries refused before the append: {k:?}");
        assert_eq!(r.ledger.lost, 0, "seed {seed}: {:?}", r.ledger);
    }
}

/// Defect: the last in-sync replica stays in the ISR when it dies, and leads again when it returns.
#[test]
fn the_last_in_sync_replica_leads_again_when_it_returns() {
    let s = Scenario::from_toml(
        &(scenario(
            "replica_lag_time_max_ms = 1000",
            "",
            r#"
[[producers]]
count = 2
rate_per_s = 2000.0
acks = "1"
idempotence = false
request_timeout_ms = 1500
delivery_timeout_ms = 30000
"#,
        ) + SLOW_REPLICATION_THEN_LEADER_CRASH),
    )
    .unwrap();
    let mut w = World::new(&s);
    w.run_until(streamlab_sim::SimTime::from_millis(8_000)).unwrap();
    let offline: Vec<u32> = w.cluster_state().partitions.iter().filter(|p| p.leader.is_none()).map(|p| p.id).collect();
    assert!(!offline.is_empty(), "broker 0 was the only in-sync replica of the partitions it led");
    for p in &offline {
        assert_eq!(w.cluster_state().partitions[*p as usize].isr, vec![0], "the ISR keeps its last member");
    }
    w.run().unwrap();
    assert!(w.cluster_state().partitions.iter().all(|p| p.leader.is_some()), "{:?}", w.cluster_state());
    let r = Results::of(&w);
    assert_eq!(r.kafka.unclean_leader_elections, 0);
    assert_eq!(r.ledger.failed, 0, "sends waited for the partition to return: {:?}", r.ledger);
    assert_eq!(r.ledger.lost, 0, "{:?}", r.ledger);
}

/// Defect: batches that expired while their partition had no leader left a hole in the sequence numbers,
/// and the stream stalled in OUT_OF_ORDER_SEQUENCE retries; the Java producer resets the partition's
/// sequences under a new epoch (KIP-360) and goes on.
#[test]
fn an_idempotent_producer_recovers_from_failed_batches() {
    let r = run(&(scenario(
        "replica_lag_time_max_ms = 1000\nmin_insync_replicas = 1",
        "",
        r#"
[[producers]]
count = 1
rate_per_s = 2000.0
acks = "all"
request_timeout_ms = 1000
delivery_timeout_ms = 2000
"#,
    ) + SLOW_REPLICATION_THEN_LEADER_CRASH));
    assert!(r.ledger.failed > 0, "sends to the offline partitions expired: {:?}", r.ledger);
    // Records created after broker 0 returned (at 9 s, 3 s before the end) are all acknowledged: at most
    // 7 s of one partition's share can fail.
    let outage_share = 2000 * 7 / 6;
    assert!(r.ledger.failed <= outage_share, "failed {} > {outage_share}: {:?}", r.ledger.failed, r.kafka);
    assert_eq!(r.ledger.duplicated, 0);
}

/// Defect: a run that ends while the group is behind reported the unconsumed records as lost.
#[test]
fn records_left_in_the_log_are_unconsumed_not_lost() {
    let r = run(&with_processing_ms(scenario("", "", "[[producers]]\nrate_per_s = 3000.0\n"), 1.0)
        .replace("drain_ms = 60000", "drain_ms = 1000"));
    assert_eq!(r.ledger.lost, 0, "{:?}", r.ledger);
    let unconsumed = field(&r, &["ledger", "unconsumed"]);
    assert!(unconsumed > 0 && r.ledger.delivered + unconsumed == r.ledger.acknowledged, "{:?}", r.ledger);
}

/// Defect: auto-commit ran when a fetch response arrived, committing records still being processed; the
/// classic consumer commits inside poll() what earlier polls returned, so a crash redelivers, never skips.
#[test]
fn auto_commit_never_skips_records_a_crashed_consumer_was_processing() {
    let group = "session_timeout_ms = 6000\nheartbeat_interval_ms = 1000\nauto_commit_interval_ms = 1";
    for (seed, crash_ms) in [(1, 4000), (2, 4001), (3, 4002), (4, 4003), (5, 4004), (6, 4005)] {
        let faults = format!(
            "[[producers]]\nrate_per_s = 3000.0\n[[faults]]\nkind = \"consumer_crash\"\nat_ms = {crash_ms}\nmember = 1\n"
        );
        let r =
            run(&with_processing_ms(scenario("", group, &faults), 0.9).replace("seed = 11", &format!("seed = {seed}")));
        assert_eq!(r.ledger.delivered, r.ledger.acknowledged, "seed {seed}: all processed: {:?}", r.ledger);
    }
}

/// Kafka 3.2+: acks 0 or 1 with enable.idempotence unset turns idempotence off (only an explicit true is
/// refused), so retries may duplicate.
#[test]
fn acks_1_without_an_idempotence_setting_runs_without_idempotence() {
    let r = run(&scenario(
        "",
        "",
        r#"
[[faults]]
kind = "network_spike"
at_ms = 3000
duration_ms = 500
extra_ms = 400.0
[[producers]]
rate_per_s = 2000.0
acks = "1"
request_timeout_ms = 300
"#,
    ));
    assert!(r.ledger.duplicated > 0, "{:?}", r.ledger);
    assert_eq!(r.kafka.duplicate_batches_rejected, 0);
}

/// The course's two scenarios: the same cluster, spike and crash; only the producers' acks and
/// min.insync.replicas differ. acks=all loses nothing; acks=1 loses what only the dead leader had.
#[test]
fn the_lab_scenarios_show_acks_all_losing_nothing_where_acks_1_loses() {
    let safe = Scenario::from_toml(include_str!("../../labs/scenarios/broker-crash-acks-all.toml")).unwrap();
    let fast = Scenario::from_toml(include_str!("../../labs/scenarios/broker-crash-acks-1.toml")).unwrap();
    assert_eq!(safe.faults, fast.faults, "the same failure");
    assert_eq!((&safe.topic, safe.run.seed, safe.cluster.brokers), (&fast.topic, fast.run.seed, fast.cluster.brokers));
    for seed in [7, 8, 9] {
        let result = |s: &Scenario| {
            let mut s = s.clone();
            s.run.seed = seed;
            let mut w = World::new(&s);
            w.run().unwrap();
            Results::of(&w)
        };
        let (safe, fast) = (result(&safe), result(&fast));
        assert!(safe.kafka.leader_elections > 0 && fast.kafka.leader_elections > 0);
        assert_eq!(safe.ledger.lost, 0, "seed {seed}: {:?}", safe.ledger);
        assert!(fast.ledger.lost > 0, "seed {seed}: {:?}", fast.ledger);
        assert_eq!((safe.ledger.unconsumed, fast.ledger.unconsumed), (0, 0));
    }
}
