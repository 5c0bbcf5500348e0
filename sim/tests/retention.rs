//! Readers that retention left behind: a fetch from below the log start is answered OFFSET_OUT_OF_RANGE
//! and the reader goes on from the log start, so the run finishes and the deleted records count as lost.

use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, World};

#[test]
fn readers_behind_the_log_start_go_on_from_it() {
    let s = Scenario::from_toml(include_str!("scenarios/retention_behind_readers.toml")).unwrap();
    let mut w = World::new(&s);
    // run.max_events (20 000 handler calls) bounds the run: a fetch asked again at the same instant forever
    // would end in the event limit instead.
    assert_eq!(w.run(), Ok(()));
    let ledger = Results::of(&w).ledger;
    assert!(ledger.lost > 0, "retention deleted records before the member read them");
    assert!(ledger.delivered > 0);
    assert_eq!(ledger.delivered + ledger.lost, ledger.acknowledged, "{ledger:?}");
}
