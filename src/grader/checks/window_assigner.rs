// Checks for exercise window_assigner: Flink's TumblingEventTimeWindowsTest and SlidingEventTimeWindowsTest.

#[test]
fn tumbling_windows_like_flink() {
    assert_eq!(tumbling_start(0, 5000, 0), 0);
    assert_eq!(tumbling_start(4999, 5000, 0), 0);
    assert_eq!(tumbling_start(5000, 5000, 0), 5000);
    assert_eq!(tumbling_start(100, 5000, 100), 100);
    assert_eq!(tumbling_start(5099, 5000, 100), 100);
    assert_eq!(tumbling_start(5100, 5000, 100), 5100);
}

#[test]
fn timestamps_before_the_offset() {
    assert_eq!(tumbling_start(-1, 5000, 0), -5000);
    assert_eq!(tumbling_start(50, 5000, 100), -4900);
}

#[test]
fn sliding_windows_like_flink() {
    assert_eq!(sliding_windows(0, 5000, 1000), vec![(-4000, 1000), (-3000, 2000), (-2000, 3000), (-1000, 4000), (0, 5000)]);
    assert_eq!(sliding_windows(4999, 5000, 1000), vec![(0, 5000), (1000, 6000), (2000, 7000), (3000, 8000), (4000, 9000)]);
    for (ts, size, slide, want) in CASES {
        assert_eq!(sliding_windows(*ts, *size, *slide), *want, "sliding_windows({ts}, {size}, {slide})");
    }
}
