//! The engines' rules on hand-made traces, and their guarantees under failure.

use streamlab_sim::dist::DistSpec;
use streamlab_sim::engine::flink::{FlinkConfig, FlinkEngine, SinkMode};
use streamlab_sim::engine::replay::{ReplayError, ReplaySettings, parse_trace, replay};
use streamlab_sim::engine::source::MemoryFeed;
use streamlab_sim::engine::spark::{OutputMode, SparkConfig, SparkEngine, SparkMode};
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::engine::{Engine, EngineRecord, EventTime, OutputKind, PipelineConfig, TimeDomain};
use streamlab_sim::kafka::ids::{Offset, PartitionId};
use streamlab_sim::report::Results;
use streamlab_sim::rng::stream;
use streamlab_sim::scenario::{EngineKind, TopicConfig};
use streamlab_sim::{Scenario, ScenarioError, SimTime, World};

fn settings(flink: bool, spark: bool) -> ReplaySettings {
    ReplaySettings {
        flink,
        spark,
        window: WindowSpec::Tumbling { size_ms: 10_000 },
        watermark_delay_ms: 2000,
        watermark_interval_ms: 200,
        trigger_ms: 1000,
        allowed_lateness_ms: 0,
        output_mode: OutputMode::Append,
    }
}

const TRACE: &str = "arrival_ms,event_ms,key,value
1000,1000,a,1
3000,9000,a,2
4000,12000,a,3
5000,5000,a,4
";

/// Flink: the watermark max(ts) - 2000 - 1 = 9999 reaches [0, 10000)'s max timestamp 9999 at the first
/// periodic emission after the record with ts 12000 (4000 + 200 ms). The record with ts 5000 then
/// belongs to a window whose max timestamp + 0 lateness <= watermark: late, to the side output.
/// At the end of the bounded input the final watermark fires [10000, 20000).
#[test]
fn flink_fires_on_the_watermark_and_sends_late_records_to_the_side_output() {
    let out = replay(&parse_trace(TRACE).unwrap(), &settings(true, false));
    assert_eq!(
        out,
        "engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms
flink,window,0,10000,a,2,3,4200,,9999
flink,late,0,10000,a,1,4,5000,,9999
flink,window,10000,20000,a,1,3,5000,,9223372036854775807
"
    );
}

#[test]
fn flink_allowed_lateness_refires_the_window_with_the_late_record() {
    let mut s = settings(true, false);
    s.allowed_lateness_ms = 5000;
    let out = replay(&parse_trace(TRACE).unwrap(), &s);
    assert!(out.contains("flink,window,0,10000,a,2,3,4200,,9999\n"), "{out}");
    assert!(out.contains("flink,window,0,10000,a,3,7,5000,,9999\n"), "a late firing with the update: {out}");
    assert!(!out.contains("late"), "{out}");
}

/// Spark: the watermark is computed at the end of each batch (max event time - 2000) and used by the
/// next. The batch at 5000 drops late rows with the previous batch's watermark (7000: the ts-5000 row's
/// window ends at 10000, not late), and evicts with its own (10000): [0, 10000) is emitted once, with
/// the row Flink dropped. [10000, 20000) is never passed by the watermark and stays in state.
#[test]
fn spark_uses_the_previous_batch_watermark_and_emits_in_append_mode_on_eviction() {
    let out = replay(&parse_trace(TRACE).unwrap(), &settings(false, true));
    assert_eq!(
        out,
        "engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms
spark,window,0,10000,a,3,7,5000,3,10000
"
    );
}

#[test]
fn spark_update_mode_emits_every_changed_window_each_batch() {
    let mut s = settings(false, true);
    s.output_mode = OutputMode::Update;
    let out = replay(&parse_trace(TRACE).unwrap(), &s);
    assert_eq!(
        out,
        "engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms
spark,window,0,10000,a,1,1,1000,0,0
spark,window,0,10000,a,2,3,3000,1,0
spark,window,10000,20000,a,1,3,4000,2,7000
spark,window,0,10000,a,3,7,5000,3,10000
"
    );
}

/// A row arriving two batches after its window was evicted is dropped as late.
#[test]
fn spark_drops_rows_behind_the_previous_watermark() {
    let trace = format!("{TRACE}6000,30000,a,5\n7000,31000,a,6\n8000,3000,a,9\n");
    let out = replay(&parse_trace(&trace).unwrap(), &settings(false, true));
    assert!(out.contains("spark,dropped-row,0,10000,a,1,9,8000,6,28000\n"), "{out}");
    assert!(out.contains("spark,dropped,,,,1,,8000,6,28000\n"), "Spark's own count for the batch: {out}");
}

#[test]
fn session_windows_merge_when_gaps_are_short() {
    let mut s = settings(true, false);
    s.window = WindowSpec::Session { gap_ms: 1000 };
    s.watermark_delay_ms = 0;
    let trace = "arrival_ms,event_ms,key,value\n100,100,k,1\n200,900,k,1\n300,1800,k,1\n400,5000,k,1\n";
    let out = replay(&parse_trace(trace).unwrap(), &s);
    assert!(out.contains("flink,window,100,2800,k,3,3,"), "three events 800 ms apart form one session: {out}");
    assert!(out.contains("flink,window,5000,6000,k,1,1,"), "{out}");
}

#[test]
fn trace_errors_name_the_line() {
    assert_eq!(parse_trace("a,b\n"), Err(ReplayError::Header("a,b".into())));
    let e = parse_trace("arrival_ms,event_ms,key,value\n5,1,a,1\n4,1,a,1\n").unwrap_err();
    assert_eq!(e, ReplayError::Order { line: 3, arrival_ms: 4, previous_ms: 5 });
    assert_eq!(e.to_string(), "line 3: rows must be in arrival order, but 4 comes after 5");
    let e = parse_trace("arrival_ms,event_ms,key,value\n5,x,a,1\n").unwrap_err().to_string();
    assert_eq!(e, "line 2: event_ms `x` is not a whole number");
    let e = parse_trace("arrival_ms,event_ms,key,value\n-5,1,a,1\n").unwrap_err().to_string();
    assert_eq!(e, "line 2: arrival_ms `-5` is not a whole number >= 0");
}

/// For in-order input without failures both engines compute the same windows; only emit times differ.
#[test]
fn in_order_input_gives_both_engines_the_same_window_results() {
    use rand::RngExt;
    let mut rng = stream(99, "property");
    for case in 0..30 {
        let mut t = 0u64;
        let mut text = String::from("arrival_ms,event_ms,key,value\n");
        for _ in 0..rng.random_range(5..80) {
            t += rng.random_range(0..900);
            text += &format!("{t},{t},k{},{}\n", rng.random_range(0..3), rng.random_range(1..10));
        }
        // A last record far ahead moves both watermarks past every earlier window.
        text += &format!("{},{},end,0\n", t + 100_000, t + 100_000);
        let mut s = settings(true, true);
        s.window = if case % 2 == 0 {
            WindowSpec::Tumbling { size_ms: 2000 }
        } else {
            WindowSpec::Sliding { size_ms: 3000, slide_ms: 1000 }
        };
        s.watermark_delay_ms = rng.random_range(0..2000);
        let out = replay(&parse_trace(&text).unwrap(), &s);
        let results = |engine: &str| {
            let mut v: Vec<String> = out
                .lines()
                .filter(|l| l.starts_with(&format!("{engine},window")) && !l.contains(",end,"))
                .map(|l| l.split(',').skip(1).take(6).collect::<Vec<_>>().join(","))
                .collect();
            v.sort();
            v
        };
        assert!(!results("flink").is_empty());
        assert_eq!(results("flink"), results("spark"), "case {case}:\n{text}\n{out}");
        assert!(!out.contains("late"), "in-order input has no late rows");
    }
}

fn pipeline(window: WindowSpec) -> PipelineConfig {
    PipelineConfig {
        filter_max_value: 100,
        map_cost: DistSpec::constant_ms(0.01),
        window,
        time: TimeDomain::Event,
        aggregate: streamlab_sim::engine::Aggregate::Count,
        aggregate_cost: DistSpec::constant_ms(0.01),
        parallelism: 2,
    }
}

/// The topic of `record`: 4 partitions.
fn topic() -> TopicConfig {
    TopicConfig { partitions: 4, ..TopicConfig::default() }
}

/// Record `i` of a run: created at `i` ms, readable at once, on partition `i % 4` (`offset` is set by the
/// log it is appended to).
fn record(i: u64) -> EngineRecord {
    let t = SimTime::from_millis(i);
    EngineRecord {
        created: t,
        event_time: EventTime::from(t),
        key: (i % 8) as u32,
        value: (i % 100 + 1) as i64,
        partition: PartitionId((i % 4) as u32),
        offset: Offset(0),
    }
}

/// 20 s of records, one per millisecond over 8 keys and 4 partitions, read from a log, an optional
/// failure at 7.5 s.
fn drive(engine: &mut dyn Engine, fail_at: Option<u64>) -> Vec<(EventTime, EventTime, u32, u64, i64)> {
    let mut kafka = MemoryFeed::default();
    for i in 0..20_000u64 {
        let t = SimTime::from_millis(i);
        if fail_at == Some(i) {
            kafka.fail(engine, t);
        }
        kafka.push(engine, t, record(i));
    }
    kafka.finish(engine, SimTime::from_millis(20_000));
    let mut v: Vec<_> = engine
        .metrics_mut()
        .outputs
        .take()
        .unwrap_or_default()
        .into_iter()
        .filter(|o| o.kind == OutputKind::Window)
        .map(|o| (o.start, o.end, o.key, o.count, o.sum))
        .collect();
    v.sort();
    v
}

fn flink(sink: SinkMode) -> FlinkEngine {
    let cfg = FlinkConfig { checkpoint_interval_ms: 2000, sink, ..FlinkConfig::default() };
    FlinkEngine::new(cfg, pipeline(WindowSpec::Tumbling { size_ms: 1000 }), &topic(), stream(1, "flink"), true)
}

#[test]
fn flink_exactly_once_recovers_from_a_checkpoint_without_loss_or_duplicates() {
    let clean = drive(&mut flink(SinkMode::ExactlyOnce), None);
    let mut e = flink(SinkMode::ExactlyOnce);
    let recovered = drive(&mut e, Some(7500));
    assert_eq!(recovered, clean, "the same results as without the failure");
    assert_eq!(e.metrics().duplicate_results, 0);
    assert_eq!(clean.iter().map(|r| r.3).sum::<u64>(), 20_000, "every record counted once");
}

#[test]
fn flink_at_least_once_repeats_results_after_recovery() {
    let mut e = flink(SinkMode::AtLeastOnce);
    let recovered = drive(&mut e, Some(7500));
    assert!(e.metrics().duplicate_results > 0, "results since the checkpoint at 6 s are emitted again");
    let mut distinct = recovered.clone();
    distinct.dedup();
    assert_eq!(distinct, drive(&mut flink(SinkMode::AtLeastOnce), None), "nothing lost, only repeated");
}

#[test]
fn exactly_once_output_waits_for_the_checkpoint() {
    let mut alo = flink(SinkMode::AtLeastOnce);
    let mut eo = flink(SinkMode::ExactlyOnce);
    drive(&mut alo, None);
    drive(&mut eo, None);
    let (a, b) = (alo.metrics().latency.mean(), eo.metrics().latency.mean());
    assert!(b > a + SimTime::from_millis(500), "two-phase commit adds about half an interval: {a} vs {b}");
}

#[test]
fn spark_batch_failure_reruns_the_batch_and_commits_once() {
    let make = || {
        let cfg = SparkConfig { trigger_ms: 500, ..SparkConfig::default() };
        SparkEngine::new(cfg, pipeline(WindowSpec::Tumbling { size_ms: 1000 }), stream(1, "spark"), true)
    };
    let clean = drive(&mut make(), None);
    let mut e = make();
    let failed = drive(&mut e, Some(7520));
    assert_eq!(failed, clean);
    assert_eq!(e.metrics().duplicate_results, 0);
}

#[test]
fn spark_continuous_mode_is_fast_and_at_least_once() {
    let cfg = SparkConfig { mode: SparkMode::Continuous, ..SparkConfig::default() };
    let mut e = SparkEngine::new(cfg, pipeline(WindowSpec::None), stream(1, "sc"), false);
    drive(&mut e, Some(7500));
    let m = e.metrics();
    assert!(m.latency.quantile(0.5) < SimTime::from_millis(2), "about a millisecond: {}", m.latency.quantile(0.5));
    assert!(m.duplicate_results > 0, "records since the last epoch are processed again");
    let window = SparkConfig { mode: SparkMode::Continuous, ..SparkConfig::default() };
    let refused = window.validate(&pipeline(WindowSpec::Tumbling { size_ms: 1000 }));
    assert!(matches!(&refused, Err(ScenarioError::Invalid { key, .. }) if key == "spark.mode"), "{refused:?}");
}

/// Processing that outlasts the trigger interval: batches start back to back and the backlog (the
/// latency) grows through the run; with a cheap pipeline it stays flat.
#[test]
fn spark_falls_behind_when_batches_outlast_the_trigger() {
    let run = |cost_ms: f64| {
        let mut pipe = pipeline(WindowSpec::None);
        pipe.map_cost = DistSpec::constant_ms(cost_ms);
        let cfg = SparkConfig { trigger_ms: 1000, ..SparkConfig::default() };
        let mut e = SparkEngine::new(cfg, pipe, stream(1, "s"), false);
        drive(&mut e, None);
        e.metrics().latency.max()
    };
    let stable = run(0.1); // 500 records per task per second: 50 ms of work
    let unstable = run(3.0); // 1.5 s of work per second of data
    assert!(stable < SimTime::from_millis(1200), "{stable}");
    assert!(unstable > SimTime::from_secs(5), "the backlog grows: {unstable}");
}

/// StreamingQueryProgress's phases: offsets and planning, the tasks and the sink write, the commit log.
/// A batch's output is visible once the sink wrote it; the commit holds back only the next batch.
#[test]
fn spark_batches_record_their_phases_and_the_commit_holds_back_only_the_next_batch() {
    let run = |commit_ms: f64| {
        let cfg =
            SparkConfig { trigger_ms: 0, commit_overhead: DistSpec::constant_ms(commit_ms), ..SparkConfig::default() };
        let mut e = SparkEngine::new(cfg, pipeline(WindowSpec::None), stream(1, "s"), true);
        let mut kafka = MemoryFeed::default();
        for i in 0..5000u64 {
            kafka.push(&mut e, SimTime::from_millis(i), EngineRecord { key: 0, value: 1, ..record(i) });
        }
        kafka.finish(&mut e, SimTime::from_millis(5000));
        e
    };
    let (plain, committing) = (run(0.0), run(30.0));
    let batches = committing.batches();
    for b in batches {
        assert!(b.trigger < b.planned && b.planned < b.processed, "{b:?}");
        assert_eq!(b.committed - b.processed, SimTime::from_millis(30), "{b:?}");
    }
    for w in batches.windows(2) {
        assert!(w[1].trigger >= w[0].committed, "the next batch waits for the commit: {w:?}");
    }
    for o in committing.metrics().outputs.as_ref().expect("collected") {
        assert_eq!(o.emit, batches[o.batch.expect("a batch") as usize].processed, "visible before the commit");
    }
    assert!(batches.len() < plain.batches().len(), "{} vs {} batches", batches.len(), plain.batches().len());
}

/// Two source subtasks, all records on one: the other never sends a watermark, so the window operator's
/// watermark (the minimum over its inputs) never moves and no window fires before the end of input.
/// With withIdleness the silent source is marked idle and left out of the minimum.
#[test]
fn an_idle_source_holds_back_the_watermark_until_marked_idle() {
    let run = |idle_timeout_ms: u64| {
        let cfg =
            FlinkConfig { idle_timeout_ms, watermark_delay_ms: 0, buffer_timeout_ms: 0, ..FlinkConfig::default() };
        let pipe = pipeline(WindowSpec::Tumbling { size_ms: 1000 });
        let mut e = FlinkEngine::new(cfg, pipe, &topic(), stream(1, "idle"), true);
        for i in 0..5000u64 {
            let t = SimTime::from_millis(i);
            e.on_record(
                t,
                EngineRecord { key: 0, value: 1, partition: PartitionId(0), offset: Offset(i), ..record(i) },
            );
        }
        e.advance_to(SimTime::from_millis(5000));
        let fired_before_end = e.metrics().results;
        e.finish(SimTime::from_millis(5000));
        fired_before_end
    };
    assert_eq!(run(0), 0, "without idleness the silent source blocks every window");
    assert!(run(500) >= 3, "with a 500 ms idle timeout the windows fire as time passes");
}

/// The Structured Streaming programming guide's watermarking example: word counts in 10-minute windows
/// sliding every 5 minutes, a 10-minute watermark, a 5-minute trigger, update mode (minutes after 12:00).
/// The first two triggers of the guide's figure: (12:09, cat) arrives out of order and is still counted.
#[test]
fn spark_guide_watermark_example_first_triggers() {
    let m = |min: u64| min * 60_000;
    let trace = format!(
        "arrival_ms,event_ms,key,value\n{},{},dog,1\n{},{},owl,1\n{},{},cat,1\n{},{},dog,1\n",
        m(7),
        m(7),
        m(8),
        m(8),
        m(13),
        m(9),
        m(14),
        m(14)
    );
    let s = ReplaySettings {
        flink: false,
        spark: true,
        window: WindowSpec::Sliding { size_ms: m(10), slide_ms: m(5) },
        watermark_delay_ms: m(10),
        watermark_interval_ms: 200,
        trigger_ms: m(5),
        allowed_lateness_ms: 0,
        output_mode: OutputMode::Update,
    };
    let out = replay(&parse_trace(&trace).unwrap(), &s);
    let rows: Vec<String> = out
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let min = |v: &str| v.parse::<i64>().unwrap() / 60_000;
            format!("12:{:02}-12:{:02} {} {} @12:{:02}", min(f[2]), min(f[3]), f[4], f[5], min(f[7]))
        })
        .filter(|r| !r.starts_with("12:-"))
        .collect();
    // Trigger 12:10: dog and owl in 12:00-12:10 and 12:05-12:15 (and 11:55-12:05 is empty).
    for r in
        ["12:00-12:10 dog 1 @12:10", "12:00-12:10 owl 1 @12:10", "12:05-12:15 dog 1 @12:10", "12:05-12:15 owl 1 @12:10"]
    {
        assert!(rows.contains(&r.to_string()), "{r} in {rows:?}");
    }
    // Trigger 12:15: the late cat counts in 12:00-12:10 and 12:05-12:15; the second dog updates 12:05-12:15.
    for r in
        ["12:00-12:10 cat 1 @12:15", "12:05-12:15 cat 1 @12:15", "12:05-12:15 dog 2 @12:15", "12:10-12:20 dog 1 @12:15"]
    {
        assert!(rows.contains(&r.to_string()), "{r} in {rows:?}");
    }
    assert!(!out.contains("late"), "nothing is behind the watermark yet: {out}");
}

/// The four rules where streamlab once differed from the real engines. Each expected row below is the
/// real engine's, recorded by running the exported job (tests/oracle/recorded, the case named).
fn replay_with(trace: &str, window: WindowSpec, delay_ms: u64, spark: bool) -> String {
    let mut s = settings(!spark, spark);
    s.window = window;
    s.watermark_delay_ms = delay_ms;
    s.watermark_interval_ms = 0;
    replay(&parse_trace(trace).unwrap(), &s)
}

/// Flink, case sliding-partial-late: the record with ts 9500 misses [0, 10000) but [5000, 15000) takes it,
/// so it is not late; ts 4000 and 13000 miss both their windows and are late once each.
#[test]
fn flink_sends_a_sliding_record_to_the_side_output_only_when_no_window_took_it() {
    let trace = std::fs::read_to_string("../tests/oracle/traces/sliding-partial-late.csv").unwrap();
    let out = replay_with(&trace, WindowSpec::Sliding { size_ms: 10_000, slide_ms: 5000 }, 1000, false);
    let late: Vec<&str> = out.lines().filter(|l| l.contains(",late,")).collect();
    assert_eq!(late, ["flink,late,0,10000,a,1,4,4000,,12999", "flink,late,10000,20000,a,1,7,7000,,20999"]);
    assert!(out.contains("flink,window,5000,15000,a,2,5,6000,,20999\n"), "{out}");
}

/// Flink, case session-merge-late: ts 7500 arrives under watermark 13999; its own session [7500, 12500)
/// is late, but it touches the open session [12000, 20000) and merges into it.
#[test]
fn flink_decides_session_lateness_on_the_merged_window() {
    let trace = std::fs::read_to_string("../tests/oracle/traces/session-merge-late.csv").unwrap();
    let out = replay_with(&trace, WindowSpec::Session { gap_ms: 5000 }, 1000, false);
    assert!(out.contains("flink,window,7500,20000,a,3,12,8000,,28999\n"), "{out}");
    assert!(!out.contains(",late,7500,"), "{out}");
    assert_eq!(out.matches(",late,").count(), 2, "b's two records touch no open session: {out}");
}

/// Spark, case session-merge-spark-drops: Spark filters on the row's own session before merging, so the
/// same kind of record is dropped there.
#[test]
fn spark_drops_a_session_row_before_merging() {
    let trace = std::fs::read_to_string("../tests/oracle/traces/session-merge-spark.csv").unwrap();
    let out = replay_with(&trace, WindowSpec::Session { gap_ms: 5000 }, 1000, true);
    assert!(out.contains("spark,dropped,,,,1,,6000,4,14000\n"), "{out}");
    assert!(out.contains("spark,window,12000,20000,a,2,7,9000,6,29000\n"), "{out}");
}

/// Spark 4 refuses these at start with AnalysisException [STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION]
/// (checked by starting each combination on PySpark 4.3); everything else it runs.
#[test]
fn spark_refuses_what_its_unsupported_operation_checker_refuses() {
    use streamlab_sim::engine::spark::refusal;
    let windows = [
        WindowSpec::None,
        WindowSpec::Tumbling { size_ms: 10 },
        WindowSpec::Sliding { size_ms: 10, slide_ms: 5 },
        WindowSpec::Session { gap_ms: 10 },
    ];
    for w in windows {
        for mode in [OutputMode::Append, OutputMode::Update, OutputMode::Complete] {
            let refused = refusal(&w, mode);
            let expected = matches!(
                (w, mode),
                (WindowSpec::Session { .. }, OutputMode::Update) | (WindowSpec::None, OutputMode::Complete)
            );
            assert_eq!(refused.is_some(), expected, "{w:?} {mode:?}");
            if let Some(reason) = refused {
                assert!(reason.contains("STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION"), "{reason}");
            }
        }
    }
}

/// Spark, case tumbling-watermark-advance: after batch 0 the watermark moves to 4500 without evicting
/// anything; Spark still runs a no-data batch (batch 1), so batch 2 filters late rows with 4500 and
/// drops ts 3000, which the previous batch's watermark alone (0) would have kept.
#[test]
fn spark_runs_a_no_data_batch_whenever_the_watermark_advances() {
    let trace = std::fs::read_to_string("../tests/oracle/traces/rule4-advance.csv").unwrap();
    let out = replay_with(&trace, WindowSpec::Tumbling { size_ms: 2000 }, 0, true);
    assert!(out.contains("spark,dropped,,,,1,,3000,2,4500\n"), "{out}");
    assert!(out.contains("spark,window,4000,6000,a,1,1,6000,4,9000\n"), "{out}");
    assert!(!out.contains("spark,window,2000,4000"), "{out}");
}

/// Each engine reads the log as a consumer group of its own, over network delays drawn from its own
/// stream, and its input ends once it has read everything produced: what one engine measures does not
/// depend on which others run beside it, or in what order. The second case ends the input just as a
/// batch job starts, which reads for its start-up time after every stream engine has caught up.
#[test]
fn an_engine_measures_the_same_with_or_without_the_others() {
    for (duration_ms, batch_interval_ms) in [(4000, 60_000), (4000, 4000)] {
        let mut s = Scenario::from_toml(include_str!("../../labs/scenarios/flink-vs-spark.toml")).unwrap();
        s.run.duration_ms = duration_ms;
        s.batch.interval_ms = batch_interval_ms;
        let summaries = |engines: &[EngineKind]| {
            let mut s = s.clone();
            s.engines = engines.to_vec();
            let mut w = World::new(&s);
            assert_eq!(w.run(), Ok(()));
            Results::of(&w).engines
        };
        let (flink, spark, batch) = (EngineKind::Flink, EngineKind::Spark, EngineKind::Batch);
        let all = summaries(&[flink, spark, batch]);
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|e| e.results > 0), "{all:?}");
        assert_eq!(summaries(&[flink])[0], all[0], "batch job every {batch_interval_ms} ms");
        assert_eq!(summaries(&[spark])[0], all[1], "batch job every {batch_interval_ms} ms");
        assert_eq!(summaries(&[batch, spark]), [all[2].clone(), all[1].clone()]);
    }
}
