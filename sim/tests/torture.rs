//! The fault checker's fixed budget: a few hundred drawn clusters and fault schedules, each held to what
//! its configuration promises; and the other side of the lesson, unsafe configurations that lose records.

use streamlab_sim::torture::{Tally, check, draw};

/// Seeds 1 to 300 (about a minute on one core).
#[test]
fn the_guarantees_hold_on_the_ci_budget_and_unsafe_configurations_lose() {
    let mut tally = Tally::default();
    for seed in 1..=300 {
        let s = draw(seed);
        let v = check(&s);
        if let Some(broken) = &v.broken {
            panic!("seed {seed}: {broken}\n{:?}\nreproduce with `streamlab torture --from {seed} --seeds 1`", v.ledger);
        }
        tally.add(&v);
    }
    eprintln!("{}", tally.line());
    assert_eq!(tally.safe_lost, 0);
    assert!(tally.safe_seeds >= 50 && tally.unsafe_seeds >= 50, "{}", tally.line());
    assert!(tally.unsafe_seeds_losing > 0, "acks=1 or unclean election lost nothing: {}", tally.line());
}

/// Found by a long run: a follower applied a fetch answer from the leader of an earlier epoch to a log
/// truncated since, so an idempotent producer's retry was written twice. Leader epochs fence it.
#[test]
fn seed_4964_a_stale_replica_fetch_answer_is_fenced() {
    let v = check(&draw(4964));
    assert_eq!(v.broken, None, "{:?}", v.ledger);
}

/// Found by a long run: a fetch answer the old leader read reached a consumer after the election, and
/// it took those records, past the new leader's log end, so it never read what the new leader wrote
/// there. An answer read under an earlier leader epoch is dropped.
#[test]
fn seed_79696_a_stale_consumer_fetch_answer_is_dropped() {
    let v = check(&draw(79696));
    assert_eq!(v.broken, None, "{:?}", v.ledger);
}

/// Found by a long run: a Flink checkpoint taken at the restart instant held the offsets read before the
/// failure with the older checkpoint's state, so a second failure before the replay lost the records in
/// between. A restarted source is at its checkpoint's offsets.
#[test]
fn engine_seeds_59738_and_75275_a_checkpoint_at_a_restart_holds_the_restored_offsets() {
    use streamlab_sim::torture::engines;
    for seed in [59738, 75275] {
        let v = engines::check(&engines::draw(seed));
        assert_eq!(v.broken, None, "engine seed {seed}: {v:?}");
    }
}

/// Engines under failures: every record read ends in one fate (in a result, late, pending, lost),
/// counted once however often a restart replays it; restarts from a checkpoint lose nothing; a
/// two-phase-commit sink shows no result twice; an at-least-once sink's duplicates are exactly the
/// (window, key) results shown again.
#[test]
fn every_record_has_one_fate_and_exactly_once_repeats_nothing() {
    use streamlab_sim::torture::engines;
    let mut tally = engines::Tally::default();
    for seed in 1..=400 {
        let case = engines::draw(seed);
        let v = engines::check(&case);
        if let Some(broken) = &v.broken {
            panic!("engine seed {seed}: {broken}\n{:?} {:?} failures {:?}", case.pipe, case.flink, case.failures_ms);
        }
        tally.add(&case, &v);
    }
    eprintln!("{}", tally.line());
    assert!(tally.failing >= 100 && tally.at_least_once >= 50, "{}", tally.line());
    assert!(tally.duplicate_results > 0 && tally.lost > 0, "failures show both sides: {}", tally.line());
}
