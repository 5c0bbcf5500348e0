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
