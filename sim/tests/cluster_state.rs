//! The cluster snapshot that diagrams and live views draw: it reflects a leader crash.

use streamlab_sim::{Scenario, SimTime, World};

#[test]
fn a_crashed_leader_is_dead_leads_nothing_and_leaves_the_isr() {
    let toml = include_str!("../../labs/scenarios/broker-crash-acks-1.toml");
    let s = Scenario::from_toml(toml).unwrap();
    let mut w = World::new(&s);
    let before = w.cluster_state();
    assert_eq!(before.brokers.len(), 3);
    assert_eq!(before.partitions.len(), 6);
    assert_eq!(before.partitions[0].leader, Some(0));
    assert_eq!(before.partitions[0].isr, vec![0, 1, 2]);
    assert_eq!(before.controller, Some(0));
    // The crash is at 4.5 s and the controller fences broker 0 after its 3 s session: look at 10 s.
    w.run_until(SimTime::from_millis(10_000)).unwrap();
    let after = w.cluster_state();
    assert!(!after.brokers[0].alive);
    assert_eq!(after.controller, Some(1));
    for p in &after.partitions {
        assert_ne!(p.leader, Some(0), "partition {} still led by the dead broker", p.id);
        assert!(!p.isr.contains(&0), "partition {} keeps the dead broker in its ISR", p.id);
        assert!(p.high_watermark <= p.log_end_offset);
    }
    assert_eq!(after.group.members.iter().map(|m| m.assigned.len()).sum::<usize>(), 6);
}
