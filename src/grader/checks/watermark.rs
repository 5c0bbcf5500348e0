// Checks for exercise watermark: BoundedOutOfOrdernessWatermarks.

#[test]
fn watermark_is_max_timestamp_minus_delay_minus_one() {
    let mut w = BoundedOutOfOrderness::new(2000);
    w.on_event(1000);
    w.on_event(12000);
    assert_eq!(w.current_watermark(), 9999);
    for (delay, events, want) in CASES {
        let mut w = BoundedOutOfOrderness::new(*delay);
        for e in *events {
            w.on_event(*e);
        }
        assert_eq!(w.current_watermark(), *want, "delay {delay}, events {events:?}");
    }
}

#[test]
fn late_events_never_move_the_watermark_back() {
    let mut w = BoundedOutOfOrderness::new(500);
    w.on_event(10_000);
    let before = w.current_watermark();
    w.on_event(3_000);
    assert_eq!(w.current_watermark(), before);
}

#[test]
fn before_any_event_the_watermark_is_the_minimum() {
    assert_eq!(BoundedOutOfOrderness::new(2000).current_watermark(), i64::MIN);
}
