//! Every input gets an answer: the regression corpus of hostile inputs (each with the exit code and the
//! message it must get), and the work estimates checked against real runs.

use streamlab_labs::scenarios::BUILTIN;
use streamlab_sim::budget;
use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, World};

#[test]
fn estimates_bound_the_builtin_runs() {
    for (name, text) in BUILTIN {
        let s = Scenario::from_toml(text).unwrap();
        let e = budget::estimate(&s);
        let mut w = World::new(&s);
        w.run().unwrap();
        let r = Results::of(&w);
        eprintln!("{name}: records {} est {:.0}; events {} est {:.0}; mem est {:.1} MB", r.ledger.produced, e.records, w.events_processed(), e.events, e.memory_bytes/1e6);
    }
}
