use super::*;
use crate::dist::DistSpec;
use crate::engine::source::MemoryFeed;
use crate::engine::window::WindowSpec;
use crate::kafka::ids::PartitionId;

/// One subtask, no processing cost, 1 s tumbling windows, no watermark delay.
fn engine(cfg: FlinkConfig, time: TimeDomain) -> FlinkEngine {
    let pipe = PipelineConfig {
        map_cost: DistSpec::constant_ms(0.0),
        aggregate_cost: DistSpec::constant_ms(0.0),
        window: WindowSpec::Tumbling { size_ms: 1000 },
        time,
        parallelism: 1,
        ..PipelineConfig::default()
    };
    let cfg = FlinkConfig { watermark_delay_ms: 0, ..cfg };
    flink(cfg, pipe)
}

/// A job whose subtask `p` reads partition `p`, one per subtask.
fn flink(cfg: FlinkConfig, pipe: PipelineConfig) -> FlinkEngine {
    let partitions = pipe.parallelism;
    flink_reading(partitions, cfg, pipe)
}

/// A job reading `partitions` partitions: "hello" starts them at reader 0 of 1 or 2, so partition `p` goes
/// to subtask `p % parallelism` (KafkaSourceEnumerator.getSplitOwner).
fn flink_reading(partitions: u32, cfg: FlinkConfig, pipe: PipelineConfig) -> FlinkEngine {
    let topic = TopicConfig { name: "hello".into(), partitions, ..TopicConfig::default() };
    FlinkEngine::new(cfg, pipe, &topic, crate::rng::stream(1, "flink"), true)
}

/// A record of partition 0 created at its arrival; offsets follow the arrival times.
fn record(arrival_ms: u64, event_ms: i64) -> EngineRecord {
    let (created, event_time) = (SimTime::from_millis(arrival_ms), EventTime::from_ms(event_ms));
    EngineRecord { created, event_time, key: 0, value: 1, partition: PartitionId(0), offset: Offset(arrival_ms) }
}

fn feed(e: &mut FlinkEngine, arrival_ms: u64, event_ms: i64) {
    e.on_record(SimTime::from_millis(arrival_ms), record(arrival_ms, event_ms));
}

/// (window start ms, count, emit ms) of every result so far.
fn results(e: &FlinkEngine) -> Vec<(i64, u64, u64)> {
    let out = e.metrics().outputs.as_ref().expect("kept");
    out.iter()
        .filter(|o| o.kind == OutputKind::Window)
        .map(|o| (o.start.as_ms(), o.count, o.emit.as_millis()))
        .collect()
}

/// pipeline.auto-watermark-interval: the source emits `max - delay - 1` every 200 ms, so [0, 1 s) fires
/// at the first tick after the record with event time 1.2 s, not when it arrives.
#[test]
fn periodic_watermarks_fire_windows_on_the_next_tick() {
    let mut e = engine(FlinkConfig { buffer_timeout_ms: 0, ..FlinkConfig::default() }, TimeDomain::Event);
    feed(&mut e, 100, 500);
    feed(&mut e, 300, 1200);
    e.advance_to(SimTime::from_millis(399));
    assert!(results(&e).is_empty(), "the tick at 200 ms carried 499 ms");
    e.advance_to(SimTime::from_millis(400));
    assert_eq!(results(&e), [(0, 1, 400)]);
    // max - delay - 1: Flink's 1 is a millisecond, ours a nanosecond (whole milliseconds either way).
    assert_eq!(e.metrics().outputs.as_ref().expect("kept")[0].watermark, EventTime::from_nanos(1200 * 1_000_000 - 1));
    assert_eq!(e.name(), "flink");
}

/// execution.buffer-timeout: a record and the watermark behind it wait in the network buffer until
/// the next 100 ms flush.
#[test]
fn the_buffer_timeout_delays_records_and_watermarks_to_the_next_flush() {
    let run = |buffer_timeout_ms| {
        let cfg = FlinkConfig { buffer_timeout_ms, watermark_interval_ms: 0, ..FlinkConfig::default() };
        let mut e = engine(cfg, TimeDomain::Event);
        feed(&mut e, 150, 50);
        feed(&mut e, 160, 1250);
        e.advance_to(SimTime::from_millis(1000));
        results(&e)
    };
    assert_eq!(run(100), [(0, 1, 200)]);
    assert_eq!(run(0), [(0, 1, 160)], "0 flushes after every record");
}

/// A network buffer is sent as soon as it is full, before the buffer timeout: with room for 3
/// records, records sent at 950, 960 and 970 ms reach the window subtask at 970 ms, in the
/// processing-time window [0, 1 s); with room for 4 they wait for the flush at 1 s.
#[test]
fn a_full_network_buffer_is_sent_before_the_buffer_timeout() {
    let run = |buffer_records| {
        let cfg = FlinkConfig { buffer_timeout_ms: 100, buffer_records, ..FlinkConfig::default() };
        let mut e = engine(cfg, TimeDomain::Processing);
        for arrival_ms in [950, 960, 970, 980] {
            feed(&mut e, arrival_ms, 0);
        }
        e.advance_to(SimTime::from_millis(2000));
        results(&e)
    };
    assert_eq!(run(3), [(0, 3, 1000), (1000, 1, 2000)], "the 4th record waits for the tick at 1 s");
    assert_eq!(run(4), [(0, 4, 1000)], "full at 980 ms");
    assert_eq!(run(5), [(1000, 4, 2000)], "sent by the flusher at 1 s");
}

/// Processing time: a window fires when the clock passes its end (its processing-time timer), whatever
/// the records' event times and the watermark they make.
#[test]
fn processing_time_windows_fire_at_their_end() {
    let cfg = FlinkConfig { buffer_timeout_ms: 0, ..FlinkConfig::default() };
    let mut e = engine(cfg, TimeDomain::Processing);
    feed(&mut e, 100, -7000);
    feed(&mut e, 900, 99_000);
    feed(&mut e, 1500, 150_000);
    e.advance_to(SimTime::from_millis(1999));
    assert_eq!(results(&e), [(0, 2, 1000)]);
    e.advance_to(SimTime::from_millis(2000));
    assert_eq!(results(&e), [(0, 2, 1000), (1000, 1, 2000)], "the watermark of 149.999 s at 1.6 s cleans up nothing");
}

/// A two-phase-commit sink makes a result visible when the next checkpoint completes; an at-least-once
/// sink at once.
#[test]
fn exactly_once_results_become_visible_at_the_checkpoint() {
    let run = |sink| {
        let cfg = FlinkConfig {
            buffer_timeout_ms: 0,
            watermark_interval_ms: 0,
            checkpoint_interval_ms: 1000,
            sink,
            ..FlinkConfig::default()
        };
        let mut e = engine(cfg, TimeDomain::Event);
        feed(&mut e, 100, 100);
        feed(&mut e, 200, 1200);
        e.advance_to(SimTime::from_millis(1500));
        results(&e)
    };
    assert_eq!(run(SinkMode::AtLeastOnce), [(0, 1, 200)]);
    assert_eq!(run(SinkMode::ExactlyOnce), [(0, 1, 1000)]);
}

/// Restart from the last completed checkpoint: the source rewinds to its offsets, reads the log again
/// from there, and the window state is the snapshot's, so [0, 1 s) counts each record once. Without
/// checkpoints the restarted job reads on from where it was: what was in flight is gone.
#[test]
fn a_restart_rewinds_to_the_checkpoint_or_loses_the_window() {
    let run = |checkpoint_interval_ms| {
        let cfg = FlinkConfig {
            buffer_timeout_ms: 0,
            watermark_interval_ms: 0,
            checkpoint_interval_ms,
            restart_delay_ms: 500,
            ..FlinkConfig::default()
        };
        let mut e = engine(cfg, TimeDomain::Event);
        let mut kafka = MemoryFeed::default();
        kafka.push(&mut e, SimTime::from_millis(100), record(100, 100));
        kafka.push(&mut e, SimTime::from_millis(1100), record(1100, 200)); // after the checkpoint at 1 s
        kafka.fail(&mut e, SimTime::from_millis(1200));
        kafka.push(&mut e, SimTime::from_millis(1300), record(1300, 300)); // while down: read after the restart
        kafka.push(&mut e, SimTime::from_millis(2000), record(2000, 2500));
        kafka.finish(&mut e, SimTime::from_millis(2000));
        assert_eq!(e.metrics().records_in, 4, "a record read again is counted once");
        results(&e)
    };
    assert_eq!(run(1000), [(0, 3, 2000), (2000, 1, 2000)], "restarted at 1.7 s from offset 1, state {{100}}");
    assert_eq!(run(0), [(0, 1, 2000), (2000, 1, 2000)], "only the record read while down survives");
}

/// Every source subtask has its own network buffer to every keyed subtask (RecordWriter per channel):
/// with 2 and 2, buffers of 2 records and a 100 ms timeout, one record on each of three channels waits
/// for the flush at 100 ms; a second record on a channel fills its buffer, which leaves at once. With a
/// timeout of 0 every record leaves at once, on its own channel.
#[test]
fn each_channel_fills_and_flushes_its_own_buffer() {
    let run = |buffer_timeout_ms| {
        let pipe = PipelineConfig {
            map_cost: DistSpec::constant_ms(0.0),
            aggregate_cost: DistSpec::constant_ms(0.0),
            window: WindowSpec::None,
            parallelism: 2,
            ..PipelineConfig::default()
        };
        let cfg =
            FlinkConfig { buffer_records: 2, buffer_timeout_ms, watermark_interval_ms: 0, ..FlinkConfig::default() };
        let mut e = flink(cfg, pipe);
        // (arrival ms, partition: the source subtask, key: the keyed subtask)
        for (at, partition, key) in [(10, 0, 0), (20, 1, 0), (30, 0, 1), (40, 1, 1), (50, 1, 1)] {
            let r = EngineRecord { key, partition: PartitionId(partition), ..record(at, at as i64) };
            e.on_record(SimTime::from_millis(at), r);
        }
        e.finish(SimTime::from_millis(60));
        let out = e.metrics().outputs.as_ref().expect("kept");
        let mut rows: Vec<(i64, u64)> = out.iter().map(|o| (o.start.as_ms(), o.emit.as_millis())).collect();
        rows.sort();
        rows
    };
    assert_eq!(run(100), [(10, 100), (20, 100), (30, 100), (40, 50), (50, 50)]);
    assert_eq!(run(0), [(10, 10), (20, 20), (30, 30), (40, 40), (50, 50)], "a timeout of 0 sends each at once");
}

/// The output flusher sends the open buffer at each 100 ms tick even while the source is busy: a record
/// the source finishes (150 ms of map work) after that tick goes in the next buffer, never back in time.
#[test]
fn a_record_written_after_the_flush_tick_waits_for_the_next() {
    let pipe = PipelineConfig {
        map_cost: DistSpec::constant_ms(150.0),
        aggregate_cost: DistSpec::constant_ms(0.0),
        window: WindowSpec::None,
        parallelism: 1,
        ..PipelineConfig::default()
    };
    let cfg = FlinkConfig { buffer_timeout_ms: 100, watermark_interval_ms: 0, ..FlinkConfig::default() };
    let mut e = flink(cfg, pipe);
    feed(&mut e, 10, 10);
    feed(&mut e, 20, 20);
    e.finish(SimTime::from_millis(30));
    let out = e.metrics().outputs.as_ref().expect("kept");
    let rows: Vec<(i64, u64)> = out.iter().map(|o| (o.start.as_ms(), o.emit.as_millis())).collect();
    assert_eq!(rows, [(10, 200), (20, 400)], "mapped by 160 and 310 ms, flushed at 200 and 400 ms");
}

/// Records every 100 ms from 0 to 2.9 s (event time = arrival) plus `extra` (arrival ms, event ms), read
/// from a log; checkpoints every second, watermarks after every record, no network buffering; a task
/// fails at 2.5 s and the job reads again at 3 s.
fn fail_between_checkpoints(cfg: FlinkConfig, extra: &[(u64, i64)]) -> FlinkEngine {
    fail_at_2500_ms(FlinkConfig { watermark_interval_ms: 0, ..cfg }, extra)
}

/// As `fail_between_checkpoints`, with the watermark interval of `cfg`.
fn fail_at_2500_ms(cfg: FlinkConfig, extra: &[(u64, i64)]) -> FlinkEngine {
    let cfg = FlinkConfig { buffer_timeout_ms: 0, restart_delay_ms: 500, ..cfg };
    let mut e = engine(cfg, TimeDomain::Event);
    let mut rows: Vec<(u64, i64)> = (0..30).map(|i| (i * 100, i as i64 * 100)).chain(extra.iter().copied()).collect();
    rows.sort_by_key(|&(arrival, _)| arrival);
    let mut kafka = MemoryFeed::default();
    for (arrival_ms, event_ms) in rows {
        if arrival_ms == 2500 {
            kafka.fail(&mut e, SimTime::from_millis(2500));
        }
        kafka.push(&mut e, SimTime::from_millis(arrival_ms), record(arrival_ms, event_ms));
    }
    kafka.finish(&mut e, SimTime::from_millis(3000));
    e
}

/// (records in a result, late, pending at the end, lost) and duplicate results.
fn fates(e: &FlinkEngine) -> ((u64, u64, u64, u64), u64) {
    let m = e.metrics();
    ((m.in_result, m.late, m.pending_at_end, m.lost), m.duplicate_results)
}

fn checkpointed(sink: SinkMode) -> FlinkConfig {
    FlinkConfig { checkpoint_interval_ms: 1000, sink, ..FlinkConfig::default() }
}

/// Checkpoint 2 is taken at 2 s, just before the record that fires [1 s, 2 s): at-least-once shows that
/// result at once, the restart from checkpoint 2 replays from offset 20 and fires it again (the same
/// window, key and firing: one duplicate). Every record is in a result once; latency counts each once.
#[test]
fn at_least_once_repeats_the_results_shown_since_the_last_checkpoint() {
    let e = fail_between_checkpoints(checkpointed(SinkMode::AtLeastOnce), &[]);
    assert_eq!(results(&e), [(0, 10, 1000), (1000, 10, 2000), (1000, 10, 3000), (2000, 10, 3000)]);
    assert_eq!(fates(&e), ((30, 0, 0, 0), 1));
    let m = e.metrics();
    assert_eq!((m.records_in, m.records_in_results, m.latency.count()), (30, 30, 30));
}

/// The two-phase-commit sink shows [0, 1 s) when checkpoint 2 completes; [1 s, 2 s), fired after
/// checkpoint 2 began, was in a transaction the failure aborted, and is shown once, after the replay.
#[test]
fn exactly_once_shows_each_result_once_after_a_failure() {
    let e = fail_between_checkpoints(checkpointed(SinkMode::ExactlyOnce), &[]);
    let shown: Vec<(i64, u64)> = results(&e).into_iter().map(|(start, count, _)| (start, count)).collect();
    assert_eq!(shown, [(0, 10), (1000, 10), (2000, 10)]);
    assert_eq!(results(&e)[0].2, 2000, "visible when the next checkpoint completes");
    assert_eq!(fates(&e), ((30, 0, 0, 0), 0));
}

/// Without checkpoints the job restarts empty and reads on: the five records of [2 s, 3 s) it held are
/// lost, counted record by record.
#[test]
fn without_checkpoints_the_state_a_restart_drops_is_lost() {
    let e = fail_between_checkpoints(FlinkConfig::default(), &[]);
    assert_eq!(results(&e), [(0, 10, 1000), (1000, 10, 2000), (2000, 5, 3000)]);
    assert_eq!(fates(&e), ((25, 0, 0, 5), 0));
}

/// A record of [0, 1 s) arriving at 2.25 s is late; the replay reads it again, late again: the sink
/// sees two late rows, and the record is one late record.
#[test]
fn a_late_record_replayed_is_late_once() {
    let e = fail_between_checkpoints(checkpointed(SinkMode::AtLeastOnce), &[(2250, 500)]);
    let late = e.metrics().outputs.as_ref().expect("kept").iter().filter(|o| o.kind == OutputKind::Late).count();
    assert_eq!(late, 2);
    assert_eq!(fates(&e), ((30, 1, 0, 0), 1));
    assert_eq!(e.metrics().records_in, 31);
}

/// The restored source reads on from the checkpoint's offsets, and a checkpoint taken at the restart,
/// before the replay read anything, holds those (SourceReaderBase restores its splits' positions with
/// the state), not the ones read before the failure. Checkpoints every 500 ms; the job fails at 1.2 s,
/// restarts at 2 s (with the checkpoint of 2 s just after), and fails again at 2.03 s, before the
/// replay: the second restart rewinds as far as the first, and records 1050 and 1150 are not lost.
#[test]
fn a_checkpoint_at_the_restart_holds_the_restored_offsets() {
    let cfg = FlinkConfig {
        checkpoint_interval_ms: 500,
        restart_delay_ms: 800,
        buffer_timeout_ms: 0,
        watermark_interval_ms: 0,
        sink: SinkMode::AtLeastOnce,
        ..FlinkConfig::default()
    };
    let mut e = engine(cfg, TimeDomain::Event);
    let mut kafka = MemoryFeed::default();
    let mut failures = [1200, 2030].into_iter().peekable();
    for at in (0..40).map(|i| i * 100 + 50) {
        while let Some(fail_ms) = failures.next_if(|&ms| ms < at) {
            kafka.fail(&mut e, SimTime::from_millis(fail_ms));
        }
        kafka.push(&mut e, SimTime::from_millis(at), record(at, at as i64));
    }
    kafka.finish(&mut e, SimTime::from_millis(4000));
    assert_eq!(fates(&e).0, (40, 0, 0, 0), "(in a result, late, pending, lost)");
}

/// A checkpoint holds no watermark (FLINK-5601): the restart at 3 s starts from Long.MIN_VALUE, and the
/// replay from checkpoint 2's offsets is read before the first periodic watermark (3.2 s). So the record
/// of [0, 1 s) arriving at 2.05 s, late before the failure, is not late in the replay: it opens [0, 1 s)
/// again, which had closed before checkpoint 2, and the two-phase-commit sink shows a second result for
/// it, of that record alone. It is a reopened window, not the old result again: no duplicate.
#[test]
fn a_window_closed_before_the_checkpoint_reopens_for_records_replayed_before_the_first_watermark() {
    let e = fail_at_2500_ms(checkpointed(SinkMode::ExactlyOnce), &[(2050, 500)]);
    let shown: Vec<(i64, u64)> = results(&e).into_iter().map(|(start, count, _)| (start, count)).collect();
    // [1 s, 2 s) fired after checkpoint 2 began (aborted), and fires again at 3.2 s, after the reopened
    // [0, 1 s): the first watermark passes both, earliest end first.
    assert_eq!(shown, [(0, 10), (0, 1), (1000, 10), (2000, 10)]);
    assert_eq!(fates(&e), ((31, 0, 0, 0), 0), "the record is in a result, not late");
    assert_eq!(e.metrics().reopened_results, 1);
    // A window closes when the watermark passes its max timestamp plus the allowed lateness: with 0.6 s,
    // [0, 1 s) had closed by checkpoint 2 (watermark 1.9 s) and reopens, [1 s, 2 s) had not and is
    // restored with the state, its firing no reopening.
    let late_ok = FlinkConfig { allowed_lateness_ms: 600, ..checkpointed(SinkMode::ExactlyOnce) };
    let e = fail_at_2500_ms(late_ok, &[(2050, 500)]);
    assert_eq!((fates(&e), e.metrics().reopened_results), (((31, 0, 0, 0), 0), 1));
    // With a watermark after every record the first record replayed (2 s) moves the watermark past
    // [0, 1 s) before the late one is read: it stays late, and nothing reopens.
    let e = fail_between_checkpoints(checkpointed(SinkMode::ExactlyOnce), &[(2050, 500)]);
    assert_eq!((fates(&e), e.metrics().reopened_results), (((30, 1, 0, 0), 0), 0));
}

/// The source's filter drops values above its bound (100) and counts them; a value at the bound passes.
#[test]
fn the_filter_drops_values_above_its_bound() {
    let mut e = engine(FlinkConfig { buffer_timeout_ms: 0, ..FlinkConfig::default() }, TimeDomain::Event);
    for (at, value) in [(10, 101), (20, 100), (30, 1000)] {
        e.on_record(SimTime::from_millis(at), EngineRecord { value, ..record(at, at as i64) });
    }
    e.finish(SimTime::from_millis(40));
    let m = e.metrics();
    assert_eq!((m.records_in, m.filtered), (3, 2));
    assert_eq!(results(&e).iter().map(|r| r.1).collect::<Vec<_>>(), [1], "[0, 1 s) holds the value 100 alone");
}

/// `parallelism` subtasks per operator with `map_ms` and `aggregate_ms` of work per record.
fn pipeline(window: WindowSpec, time: TimeDomain, parallelism: u32, map_ms: f64, aggregate_ms: f64) -> PipelineConfig {
    PipelineConfig {
        map_cost: DistSpec::constant_ms(map_ms),
        aggregate_cost: DistSpec::constant_ms(aggregate_ms),
        window,
        time,
        parallelism,
        ..PipelineConfig::default()
    }
}

/// (window start ms, emit ms) of every result, sorted.
fn starts_and_emits(e: &FlinkEngine) -> Vec<(i64, u64)> {
    let out = e.metrics().outputs.as_ref().expect("kept");
    let mut rows: Vec<(i64, u64)> =
        out.iter().filter(|o| o.kind == OutputKind::Window).map(|o| (o.start.as_ms(), o.emit.as_millis())).collect();
    rows.sort();
    rows
}

/// WatermarkStrategy.withIdleness: two partitions, records every 100 ms (from 50 ms) on one only,
/// watermarks every 200 ms. Without idleness the silent one holds the watermark at its start, and nothing
/// fires: read by a source subtask of its own, as the window operator's minimum over its inputs; read by
/// the same subtask, as the source's minimum over its splits (the Kafka source's per-split watermarks).
/// With idleness the silent partition's countdown starts at the first tick that saw no record (200 ms,
/// IdlenessTimer), and it is idle at the first tick strictly more than the timeout later: 1000 ms for
/// 600 ms (800 - 200 is not more than 600), 800 ms for 599. Then [0, 500 ms) fires, the busy partition's
/// watermark (549 ms at 600 ms) being past 499 ms. The busy one is never marked idle: its records come
/// 50 ms before each tick.
#[test]
fn a_silent_partition_holds_the_watermark_until_marked_idle() {
    let run = |parallelism, idle_timeout_ms| {
        let cfg =
            FlinkConfig { idle_timeout_ms, watermark_delay_ms: 0, buffer_timeout_ms: 0, ..FlinkConfig::default() };
        let pipe = pipeline(WindowSpec::Tumbling { size_ms: 500 }, TimeDomain::Event, parallelism, 0.0, 0.0);
        let mut e = flink_reading(2, cfg, pipe);
        for at in (50..1300).step_by(100) {
            feed(&mut e, at, at as i64);
        }
        e.advance_to(SimTime::from_millis(1300));
        results(&e)
    };
    for parallelism in [1, 2] {
        assert_eq!(run(parallelism, 0), [], "never idle: the silent partition blocks every window");
        assert_eq!(run(parallelism, 600), [(0, 5, 1000), (500, 5, 1200)]);
        assert_eq!(run(parallelism, 599), [(0, 5, 800), (500, 5, 1200)]);
    }
}

/// StatusWatermarkValve: a channel that comes back from idleness behind the operator's watermark does not
/// hold it back, and what it sends until it catches up is late. Partition 1 (its own subtask) reads one
/// record and is idle from 600 ms (300 ms timeout); from 1550 ms it reads again, 550 ms behind partition
/// 0. Its subtask is active again with its first new watermark (999 ms at 1600 ms), far behind the
/// operator's (1499 ms): partition 0 alone fires each 500 ms window at the first tick past its end, and
/// partition 1's records are late.
#[test]
fn a_partition_back_from_idleness_behind_the_watermark_does_not_hold_it_back() {
    let cfg =
        FlinkConfig { idle_timeout_ms: 300, watermark_delay_ms: 0, buffer_timeout_ms: 0, ..FlinkConfig::default() };
    let pipe = pipeline(WindowSpec::Tumbling { size_ms: 500 }, TimeDomain::Event, 2, 0.0, 0.0);
    let mut e = flink(cfg, pipe);
    let on = |p, at: u64, event_ms: i64| EngineRecord { partition: PartitionId(p), key: p, ..record(at, event_ms) };
    for at in (50..3000).step_by(100) {
        e.on_record(SimTime::from_millis(at), on(0, at, at as i64));
        if at == 50 || at >= 1550 {
            e.on_record(SimTime::from_millis(at), on(1, at, at as i64 - 550));
        }
    }
    e.advance_to(SimTime::from_millis(3000));
    let out = e.metrics().outputs.as_ref().expect("kept");
    let rows: Vec<(u32, i64, u64, u64)> = out
        .iter()
        .filter(|o| o.kind == OutputKind::Window && o.start.as_ms() >= 1000)
        .map(|o| (o.key, o.start.as_ms(), o.count, o.emit.as_millis()))
        .collect();
    let on_time = [(0, 1000, 5, 1600), (1, 1000, 1, 1600), (0, 1500, 5, 2200), (1, 1500, 2, 2200)];
    assert_eq!(rows, [&on_time[..], &[(0, 2000, 5, 2600), (1, 2000, 1, 2600)]].concat());
    // Partition 1's records of 1650-1950, 2250-2450 and 2650-2950 ms came after their window fired.
    assert_eq!(e.metrics().late, 11);
}

/// A source idle when the run ends still fires what it holds: the drain says it is active before the last
/// watermark, which the window operator would otherwise ignore (every input idle: the valve only took the
/// largest watermark, 49 ms, and [0, 500 ms) stayed open).
#[test]
fn the_end_of_the_run_fires_the_windows_of_an_idle_source() {
    let cfg = FlinkConfig { idle_timeout_ms: 100, buffer_timeout_ms: 0, ..FlinkConfig::default() };
    let mut e = engine(cfg, TimeDomain::Event);
    feed(&mut e, 50, 50);
    e.advance_to(SimTime::from_millis(1000));
    assert_eq!(results(&e), []);
    e.finish(SimTime::from_millis(1000));
    assert_eq!(results(&e), [(0, 1, 1000)]);
    assert_eq!(e.metrics().pending_at_end, 0);
}

/// The Kafka source keeps no watermark in a checkpoint: after a restart each partition's generator starts
/// again at Long.MIN_VALUE (its split output is created when the split is restored, FLINK-32828), so one
/// that the replay does not reach holds the watermark until it reads again. One subtask reads partitions
/// 0 and 1; partition 1 stops at 1.4 s, so the source's watermark stops at 1.4 s and [1 s, 2 s) waits.
/// The job fails at 2.5 s and replays partition 0 from the checkpoint at 2 s; partition 1, read up to
/// its end before the checkpoint, sends nothing until its record at 4.2 s, and only the tick after that
/// (4.4 s) fires [1 s, 2 s) and [2 s, 3 s), partition 0 being at 3.5 s by then.
#[test]
fn a_restored_partition_holds_the_watermark_until_it_reads_again() {
    let cfg = FlinkConfig {
        watermark_delay_ms: 0,
        buffer_timeout_ms: 0,
        checkpoint_interval_ms: 2000,
        restart_delay_ms: 100,
        ..FlinkConfig::default()
    };
    let pipe = pipeline(WindowSpec::Tumbling { size_ms: 1000 }, TimeDomain::Event, 1, 0.0, 0.0);
    let mut e = flink_reading(2, cfg, pipe);
    let mut log = MemoryFeed::default();
    let on =
        |p, at: u64| (SimTime::from_millis(at), EngineRecord { partition: PartitionId(p), ..record(at, at as i64) });
    for at in (0..3600).step_by(100) {
        if at == 2500 {
            log.fail(&mut e, SimTime::from_millis(at));
        }
        let (t, r) = on(0, at);
        log.push(&mut e, t, r);
        if at < 1500 {
            let (t, r) = on(1, at);
            log.push(&mut e, t, r);
        }
    }
    let (t, r) = on(1, 4200);
    log.push(&mut e, t, r);
    e.advance_to(SimTime::from_millis(5000));
    let emits: Vec<(i64, u64)> = results(&e).into_iter().map(|(start, _, emit)| (start, emit)).collect();
    assert_eq!(emits, [(0, 1200), (1000, 4400), (2000, 4400)]);
}

/// StreamTask's mailbox: a window subtask processes one record at a time, so records that reach it
/// together wait for each other's 10 ms of work. A record without a window is a result of its own,
/// [timestamp, timestamp + 1 ns): TimeWindow.maxTimestamp, end - 1, is the record's timestamp.
#[test]
fn the_window_subtask_processes_one_record_at_a_time() {
    let cfg = FlinkConfig { buffer_timeout_ms: 0, watermark_interval_ms: 0, ..FlinkConfig::default() };
    let pipe = pipeline(WindowSpec::None, TimeDomain::Event, 1, 0.0, 10.0);
    let mut e = flink(cfg, pipe);
    for event_ms in [1, 2, 3] {
        e.on_record(SimTime::from_millis(100), record(100, event_ms));
    }
    e.advance_to(SimTime::from_millis(200));
    let out = e.metrics().outputs.as_ref().expect("kept");
    let rows: Vec<(i64, i64, u64)> =
        out.iter().map(|o| (o.start.as_nanos(), o.end.as_nanos(), o.emit.as_millis())).collect();
    let ms = EventTime::from_ms(1).as_nanos();
    assert_eq!(rows, [(ms, ms + 1, 110), (2 * ms, 2 * ms + 1, 120), (3 * ms, 3 * ms + 1, 130)]);
}

/// WindowOperator's cleanup timer fires at maxTimestamp + allowedLateness: once the watermark reaches
/// 999 ms the session [0, 1 s) of key 0 is gone, so a record at 999 ms (its own session [999, 1999) is
/// not late) starts a new session instead of merging into the fired one.
#[test]
fn a_session_is_cleaned_up_when_the_watermark_reaches_its_max_timestamp() {
    let cfg =
        FlinkConfig { buffer_timeout_ms: 0, watermark_interval_ms: 0, watermark_delay_ms: 0, ..FlinkConfig::default() };
    let pipe = pipeline(WindowSpec::Session { gap_ms: 1000 }, TimeDomain::Event, 1, 0.0, 0.0);
    let mut e = flink(cfg, pipe);
    feed(&mut e, 10, 0);
    e.on_record(SimTime::from_millis(20), EngineRecord { key: 1, ..record(20, 1000) }); // watermark 999 ms
    feed(&mut e, 30, 999);
    e.finish(SimTime::from_millis(40));
    let rows: Vec<(i64, u64)> = results(&e).into_iter().map(|(start, count, _)| (start, count)).collect();
    assert_eq!(rows, [(0, 1), (999, 1), (1000, 1)]);
}

/// Each output flusher tick sends the buffer of its own channel: two records from source subtask 1, one
/// to each window subtask, both leave at the 100 ms tick while the buffers from subtask 0 stay empty.
#[test]
fn each_flush_tick_sends_its_own_channel() {
    let cfg = FlinkConfig { buffer_timeout_ms: 100, watermark_interval_ms: 10_000, ..FlinkConfig::default() };
    let pipe = pipeline(WindowSpec::None, TimeDomain::Event, 2, 0.0, 0.0);
    let mut e = flink(cfg, pipe);
    for (at, key) in [(10, 0), (20, 1)] {
        e.on_record(SimTime::from_millis(at), EngineRecord { key, partition: PartitionId(1), ..record(at, at as i64) });
    }
    e.advance_to(SimTime::from_millis(300));
    assert_eq!(starts_and_emits(&e), [(10, 100), (20, 100)]);
}

/// Aligned checkpoints (CheckpointBarrierAligner, now SingleCheckpointBarrierHandler): after its barrier
/// an input is blocked until the barrier came on every input. Source subtask 1 is busy (100 ms a record)
/// until 1150 ms, so checkpoint 1's barrier leaves it then; the record source 0 maps at 1101 ms, after
/// its own barrier (1000 ms), waits for that and falls into checkpoint 2. The two-phase-commit sink shows
/// what came before the barriers when checkpoint 1 completes (1150 ms), the rest at checkpoint 2 (2 s).
#[test]
fn alignment_holds_an_input_after_its_barrier() {
    let cfg = FlinkConfig {
        buffer_timeout_ms: 0,
        checkpoint_interval_ms: 1000,
        sink: SinkMode::ExactlyOnce,
        ..FlinkConfig::default()
    };
    let pipe = pipeline(WindowSpec::None, TimeDomain::Event, 2, 100.0, 0.0);
    let mut e = flink(cfg, pipe);
    for (at, partition) in [(950, 1), (990, 1), (1001, 0)] {
        e.on_record(
            SimTime::from_millis(at),
            EngineRecord { partition: PartitionId(partition), ..record(at, at as i64) },
        );
    }
    e.advance_to(SimTime::from_millis(2500));
    assert_eq!(starts_and_emits(&e), [(950, 1150), (990, 1150), (1001, 2000)]);
}

/// A failure cancels every task: what is in flight is gone, whether in the source's map function past the
/// restart at 600 ms or in a network buffer whose flush tick is the restart's instant; nothing runs until
/// the restart. Without a checkpoint nothing reads the record again, so it is lost.
#[test]
fn a_record_in_flight_at_a_failure_is_gone() {
    let run = |map_ms, buffer_timeout_ms| {
        let cfg = FlinkConfig {
            buffer_timeout_ms,
            watermark_interval_ms: 0,
            restart_delay_ms: 500,
            ..FlinkConfig::default()
        };
        let pipe = pipeline(WindowSpec::None, TimeDomain::Event, 1, map_ms, 0.0);
        let mut e = flink(cfg, pipe);
        feed(&mut e, 10, 10);
        assert_eq!(e.fail(SimTime::from_millis(100)), Some(SimTime::from_millis(600)));
        e.finish(SimTime::from_millis(2000));
        (starts_and_emits(&e), fates(&e))
    };
    assert_eq!(run(1000.0, 0), (vec![], ((0, 0, 0, 1), 0)), "mapped at 1010 ms");
    assert_eq!(run(590.0, 100), (vec![], ((0, 0, 0, 1), 0)), "in the buffer the 600 ms tick would send");
}

/// No timer fires while the job is down: the processing-time window [0, 1 s) would fire at 1 s, but the
/// job failed at 500 ms and runs again only at 1.5 s, empty (no checkpoint): its record is lost.
#[test]
fn no_window_fires_while_the_job_is_down() {
    let cfg = FlinkConfig { buffer_timeout_ms: 0, restart_delay_ms: 1000, ..FlinkConfig::default() };
    let mut e = engine(cfg, TimeDomain::Processing);
    feed(&mut e, 100, 100);
    e.fail(SimTime::from_millis(500));
    e.finish(SimTime::from_millis(2000));
    assert_eq!(results(&e), []);
    assert_eq!(fates(&e), ((0, 0, 0, 1), 0));
}

/// Timers are part of a checkpoint (InternalTimerService snapshots them with the keyed state): the
/// processing-time window [0, 1 s) restored from the checkpoint at 300 ms fires at 1 s as it would have.
#[test]
fn a_restored_processing_time_window_fires_at_its_end() {
    let cfg = FlinkConfig {
        buffer_timeout_ms: 0,
        checkpoint_interval_ms: 300,
        restart_delay_ms: 100,
        ..FlinkConfig::default()
    };
    let mut e = engine(cfg, TimeDomain::Processing);
    let mut kafka = MemoryFeed::default();
    kafka.push(&mut e, SimTime::from_millis(100), record(100, 100));
    kafka.fail(&mut e, SimTime::from_millis(500));
    kafka.finish(&mut e, SimTime::from_millis(1500));
    assert_eq!(results(&e), [(0, 1, 1000)]);
    assert_eq!(fates(&e), ((1, 0, 0, 0), 0));
}

/// FlinkKafkaProducer: "Using EXACTLY_ONCE semantic, but checkpointing is not enabled. Switching to
/// NONE": without checkpoints nothing would ever commit, so the sink writes at once.
#[test]
fn an_exactly_once_sink_without_checkpoints_writes_at_once() {
    let cfg = FlinkConfig {
        buffer_timeout_ms: 0,
        watermark_interval_ms: 0,
        sink: SinkMode::ExactlyOnce,
        ..FlinkConfig::default()
    };
    let mut e = engine(cfg, TimeDomain::Event);
    feed(&mut e, 100, 100);
    feed(&mut e, 200, 1200);
    e.advance_to(SimTime::from_millis(1500));
    assert_eq!(results(&e), [(0, 1, 200)]);
}

/// CheckpointRequestDecider: one checkpoint at a time (max-concurrent-checkpoints 1). Source subtask 1
/// maps a record every 100 ms until 500 ms, so checkpoint 1 (100 ms) completes only then; the triggers at
/// 200-400 ms wait, and checkpoint 2 begins as 1 completes. Its barrier leaves source 0 after the record
/// that source maps by 550 ms, which the two-phase-commit sink then shows.
#[test]
fn a_checkpoint_trigger_waits_for_the_one_under_way() {
    let cfg = FlinkConfig {
        buffer_timeout_ms: 0,
        checkpoint_interval_ms: 100,
        sink: SinkMode::ExactlyOnce,
        ..FlinkConfig::default()
    };
    let pipe = pipeline(WindowSpec::None, TimeDomain::Event, 2, 100.0, 0.0);
    let mut e = flink(cfg, pipe);
    for (at, partition) in [(0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (450, 0)] {
        e.on_record(
            SimTime::from_millis(at),
            EngineRecord { partition: PartitionId(partition), ..record(at, at as i64) },
        );
    }
    e.advance_to(SimTime::from_millis(1000));
    assert_eq!(starts_and_emits(&e), [(0, 500), (1, 500), (2, 500), (3, 500), (4, 500), (450, 550)]);
}

/// InternalTimerServiceImpl.onProcessingTime fires the timers due at its instant, no later one: two
/// processing-time sessions that open 1 ns apart (records of two keys) fire 1 ns apart.
#[test]
fn a_processing_time_timer_fires_only_the_windows_due_at_its_instant() {
    let cfg = FlinkConfig { buffer_timeout_ms: 0, ..FlinkConfig::default() };
    let pipe = pipeline(WindowSpec::Session { gap_ms: 1000 }, TimeDomain::Processing, 1, 0.0, 0.0);
    let mut e = flink(cfg, pipe);
    let at = SimTime::from_millis(100);
    e.on_record(at, record(100, 100));
    e.on_record(at + SimTime(1), EngineRecord { key: 1, ..record(100, 100) });
    e.advance_to(SimTime::from_millis(2000));
    let out = e.metrics().outputs.as_ref().expect("kept");
    let emits: Vec<(u32, SimTime)> = out.iter().map(|o| (o.key, o.emit)).collect();
    let end = SimTime::from_millis(1100);
    assert_eq!(emits, [(0, end), (1, end + SimTime(1))]);
}

/// The end of the run (`finish` at t): what was sent drains for one buffer timeout past t (or the last busy
/// subtask), then the final watermark goes out and the job runs two buffer timeouts more, until which
/// timers still fire. The processing-time window [1 s, 2 s) is due at 2 s: ending at 1.7 s it fires (the
/// run reaches 1.8 s + 200 ms), ending at 1.5 s it stays pending.
#[test]
fn the_end_of_the_run_fires_the_timers_due_within_two_buffer_timeouts_of_the_drain() {
    let run = |finish_ms| {
        let cfg = FlinkConfig { buffer_timeout_ms: 100, ..FlinkConfig::default() };
        let mut e = engine(cfg, TimeDomain::Processing);
        feed(&mut e, 1100, 0);
        e.finish(SimTime::from_millis(finish_ms));
        (results(&e), e.metrics().pending_at_end)
    };
    assert_eq!(run(1700), (vec![(1000, 1, 2000)], 0));
    assert_eq!(run(1500), (vec![], 1));
}
