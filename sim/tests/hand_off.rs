//! A message without delay that nothing else at its instant precedes is handled in the step that sent it:
//! fewer steps, the same handler calls, and run.max_events still bounds every handler call.

use streamlab_sim::{Scenario, SimError, World};

#[test]
fn mm1_hands_off_its_zero_delay_messages_and_max_events_bounds_every_handler_call() {
    let mut s = Scenario::from_toml(include_str!("../../labs/scenarios/mm1.toml")).unwrap();
    s.run.duration_ms = 20;
    let mut w = World::new(&s);
    w.run().unwrap();
    let (steps, calls) = (w.events_processed(), w.events_processed() + w.handoffs());
    // Per record: an arrival, then request (whose append without disk time its own handler does) and
    // answer without delay; a poll and its fetches.
    assert!(calls > 2 * steps, "{steps} steps for {calls} handler calls");
    s.run.max_events = calls - 1;
    assert!(matches!(World::new(&s).run(), Err(SimError::EventLimit(max, _)) if max == calls - 1));
    s.run.max_events = calls;
    assert_eq!(World::new(&s).run(), Ok(()));
}
