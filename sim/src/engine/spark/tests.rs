use super::*;
use crate::engine::source::{EngineConsumer, Fed, run_reading};
use crate::kafka::broker::Partition;
use crate::kafka::cluster::Cluster;
use crate::kafka::env::Event;
use crate::kafka::ids::{EngineId, FetchPosition, PartitionId};
use crate::kafka::testkit::{B0, B1, B2, P0, batch, cluster, env as kafka_env};

/// A query reading an in-memory log: its batches read, at each trigger, what was appended by then.
type Query = Fed<SparkEngine>;

/// 1 s tumbling windows, 2 ms of map work per record, 2 tasks (partition % 2), values above 50
/// filtered out; 50 ms of planning per batch.
fn engine(cfg: SparkConfig, window: WindowSpec, time: TimeDomain) -> Query {
    let pipe = PipelineConfig {
        filter_max_value: 50,
        map_cost: DistSpec::constant_ms(2.0),
        aggregate_cost: DistSpec::constant_ms(0.0),
        window,
        time,
        parallelism: 2,
        ..PipelineConfig::default()
    };
    let cfg = SparkConfig { batch_overhead: DistSpec::constant_ms(50.0), watermark_delay_ms: 0, ..cfg };
    Fed::new(SparkEngine::new(cfg, pipe, crate::rng::stream(1, "spark"), true))
}

fn record(arrival_ms: u64, event_ms: i64, partition: u32, value: i64) -> EngineRecord {
    let (created, event_time) = (SimTime::from_millis(arrival_ms), EventTime::from_ms(event_ms));
    EngineRecord { created, event_time, key: 0, value, partition: PartitionId(partition), offset: Offset(arrival_ms) }
}

/// A record appended to the log at `arrival_ms`.
fn feed(q: &mut Query, arrival_ms: u64, event_ms: i64, partition: u32, value: i64) {
    let r = record(arrival_ms, event_ms, partition, value);
    q.kafka.push(&mut q.e, SimTime::from_millis(arrival_ms), r);
}

/// A batch as (trigger, end, records), in ms.
fn ms(b: &BatchPhases) -> (u64, u64, u64) {
    (b.trigger.as_millis(), b.committed.as_millis(), b.records)
}

/// ProcessingTimeExecutor: batches start on the interval's ticks; a batch lasts its planning plus its
/// busiest task; one that overruns the interval makes the next start as soon as it ends.
#[test]
fn batches_start_on_trigger_ticks_and_last_as_long_as_the_busiest_task() {
    let mut e = engine(SparkConfig::default(), WindowSpec::Tumbling { size_ms: 1000 }, TimeDomain::Event);
    feed(&mut e, 100, 100, 0, 1);
    feed(&mut e, 200, 200, 2, 1);
    feed(&mut e, 300, 300, 1, 1);
    feed(&mut e, 1000, 1000, 0, 1); // arrives at the tick: still in the batch
    e.advance_to(SimTime::from_millis(1100));
    assert_eq!(e.batches().iter().map(ms).collect::<Vec<_>>(), [(1000, 1056, 4)], "task 0: 3 records, 6 ms");
    for i in 0..1000 {
        feed(&mut e, 1001 + i, 1100, 0, 1); // 2 s of work for task 0
    }
    feed(&mut e, 3500, 3500, 0, 1);
    e.advance_to(SimTime::from_millis(5000));
    let b: Vec<_> = e.batches().iter().map(ms).collect();
    assert_eq!(b[1], (2000, 4050, 1000), "the batch overruns the ticks at 3 s and 4 s");
    assert_eq!(b[2], (4050, 4102, 1), "the next starts when it ends");
    assert_eq!(e.name(), "spark");
}

/// The default trigger (interval 0): the next batch as soon as the last ended; while idle, a poll every
/// 10 ms (spark.sql.streaming.pollingDelay) finds new data.
#[test]
fn the_default_trigger_runs_batches_back_to_back_and_polls_when_idle() {
    let cfg = SparkConfig { trigger_ms: 0, ..SparkConfig::default() };
    let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
    feed(&mut e, 105, 105, 0, 1);
    feed(&mut e, 120, 120, 0, 1);
    feed(&mut e, 400, 400, 0, 1);
    e.finish(SimTime::from_millis(400));
    let b: Vec<_> = e.batches().iter().map(ms).collect();
    assert_eq!(b, [(110, 162, 1), (162, 214, 1), (404, 456, 1)], "polls at 0, 10, .., 110");
    let emits: Vec<u64> = e.metrics().outputs.as_ref().expect("kept").iter().map(|o| o.emit.as_millis()).collect();
    assert_eq!(emits, [162, 214, 456], "without a window every record is a result when its batch ends");
}

/// Processing-time windows take the batch's trigger time (current_timestamp()); the filter runs before.
#[test]
fn processing_time_windows_use_the_trigger_time_and_filtered_rows_count_nowhere() {
    let mut e = engine(SparkConfig::default(), WindowSpec::Tumbling { size_ms: 1000 }, TimeDomain::Processing);
    feed(&mut e, 100, -50_000, 0, 7);
    feed(&mut e, 200, 0, 0, 51);
    e.finish(SimTime::from_millis(500));
    let m = e.metrics();
    assert_eq!((m.records_in, m.filtered, m.late, m.pending_at_end), (2, 1, 0, 1), "[1 s, 2 s) never closes");
    assert!(m.outputs.as_ref().expect("kept").is_empty(), "no watermark in processing time: no output");
}

/// A failed batch runs again after the restart delay with the same offsets and the same id; its
/// results are committed once.
#[test]
fn a_failed_batch_reruns_with_its_offsets_after_the_restart() {
    let cfg = SparkConfig { restart_delay_ms: 1000, ..SparkConfig::default() };
    let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
    feed(&mut e, 100, 100, 0, 1);
    e.fail(SimTime::from_millis(1020));
    feed(&mut e, 1500, 1500, 0, 1); // waits for the restart
    e.finish(SimTime::from_millis(1500));
    let b: Vec<_> = e.batches().iter().map(ms).collect();
    assert_eq!(b, [(2020, 2072, 1), (3000, 3052, 1)], "batch 0 restarted at 2.02 s, then the next tick");
    let rerun = e.batches()[0];
    let phases = [rerun.planned, rerun.processed].map(SimTime::as_millis);
    assert_eq!(phases, [2070, 2072], "every phase of the re-run shifted: 50 ms planning, 2 ms of tasks");
    let out = e.metrics().outputs.as_ref().expect("kept");
    assert_eq!(
        out.iter().map(|o| (o.batch, o.emit.as_millis())).collect::<Vec<_>>(),
        [(Some(0), 2072), (Some(1), 3052)]
    );
    assert_eq!(e.metrics().duplicate_results, 0);
}

/// Failed while idle: no batch before the query is back.
#[test]
fn an_idle_failure_delays_the_next_trigger_to_the_restart() {
    let cfg = SparkConfig { restart_delay_ms: 2500, ..SparkConfig::default() };
    let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
    e.fail(SimTime::from_millis(100));
    feed(&mut e, 200, 200, 0, 1);
    e.finish(SimTime::from_millis(200));
    assert_eq!(e.batches().iter().map(ms).collect::<Vec<_>>(), [(2600, 2652, 1)]);
}

/// A continuous query without windows, its epochs committed every second, restarting `restart_delay_ms`
/// after a failure.
fn continuous_query(restart_delay_ms: u64) -> Query {
    let cfg = SparkConfig {
        mode: SparkMode::Continuous,
        continuous_checkpoint_ms: 1000,
        restart_delay_ms,
        ..SparkConfig::default()
    };
    engine(cfg, WindowSpec::None, TimeDomain::Event)
}

/// Continuous processing: each record's result follows its map work at once (one task, FIFO); a
/// failure rewinds the source to the last epoch commit's offsets and processes everything since
/// again, at least once.
#[test]
fn continuous_processing_replays_records_since_the_last_epoch() {
    let mut e = continuous_query(500);
    assert_eq!(e.name(), "spark-continuous");
    for (at, p, value) in [(100, 0, 1), (101, 1, 1), (1200, 0, 1), (1300, 0, 99)] {
        feed(&mut e, at, at as i64, p, value);
    }
    e.fail(SimTime::from_millis(1400));
    feed(&mut e, 1600, 1600, 0, 1); // read after the restart
    e.finish(SimTime::from_millis(2000));
    let out = e.metrics().outputs.as_ref().expect("kept");
    let emits: Vec<u64> = out.iter().map(|o| o.emit.as_millis()).collect();
    assert_eq!(emits, [102, 104, 1202, 1902, 1906], "the replay of 1200 waits for the restart at 1.9 s");
    let m = e.metrics();
    assert_eq!((m.records_in, m.filtered, m.records_in_results, m.duplicate_results), (5, 1, 4, 1));
}

/// A continuous query (`continuous_query`) that read records at 0.1 s and 1.2 s and failed at 1.4 s.
fn failed_at_1400_ms(restart_delay_ms: u64) -> Query {
    let mut e = continuous_query(restart_delay_ms);
    feed(&mut e, 100, 100, 0, 1);
    feed(&mut e, 1200, 1200, 0, 1);
    e.fail(SimTime::from_millis(1400));
    e
}

/// (row start ms, emit ms) of every row the sink saw.
fn starts_and_emits(e: &Query) -> Vec<(i64, u64)> {
    let out = e.metrics().outputs.as_ref().expect("kept");
    out.iter().map(|o| (o.start.as_ms(), o.emit.as_millis())).collect()
}

/// ContinuousExecution commits an epoch only while the query runs: the epoch due at 2 s, while the query
/// is down (1.4 s to 2.4 s), commits nothing, so a second failure at 2.6 s rewinds again to the offsets of
/// the epoch at 1 s and replays both the record of 1.2 s (a second time) and that of 2.5 s.
#[test]
fn continuous_processing_commits_no_epoch_while_down() {
    let mut e = failed_at_1400_ms(1000);
    feed(&mut e, 2500, 2500, 0, 1);
    e.fail(SimTime::from_millis(2600));
    e.finish(SimTime::from_millis(4000));
    assert_eq!(
        starts_and_emits(&e),
        [(100, 102), (1200, 1202), (1200, 2402), (2500, 2502), (1200, 3602), (2500, 3604)]
    );
    assert_eq!(e.metrics().duplicate_results, 3);
}

/// The epoch due at the restart (2 s) commits where the restarted query reads from, the last epoch's
/// offsets, not those it had read before the failure. The query fails again at 2.05 s, before its replay
/// read anything: the second restart (2.65 s) still replays the record of 1.2 s, which the offsets read
/// before the first failure would have skipped.
#[test]
fn an_epoch_at_the_restart_commits_the_offsets_the_query_restarted_from() {
    let mut e = failed_at_1400_ms(600);
    e.fail(SimTime::from_millis(2050));
    e.finish(SimTime::from_millis(4000));
    assert_eq!(starts_and_emits(&e), [(100, 102), (1200, 1202), (1200, 2652)]);
}

/// The key and the problem of a refusal.
fn key(e: ScenarioError) -> (String, String) {
    match e {
        ScenarioError::Invalid { key, problem } => (key, problem),
        ScenarioError::Parse(problem) => panic!("a refusal, not a parse error: {problem}"),
    }
}

#[test]
fn spark_refuses_what_spark_refuses() {
    let pipe = |window| PipelineConfig { window, ..PipelineConfig::default() };
    let tumbling = WindowSpec::Tumbling { size_ms: 1000 };
    let continuous = SparkConfig { mode: SparkMode::Continuous, ..SparkConfig::default() };
    assert_eq!(key(continuous.validate(&pipe(tumbling)).unwrap_err()).0, "spark.mode");
    assert_eq!(continuous.validate(&pipe(WindowSpec::None)), Ok(()));
    let no_epochs = SparkConfig { continuous_checkpoint_ms: 0, ..continuous };
    assert_eq!(key(no_epochs.validate(&pipe(WindowSpec::None)).unwrap_err()).0, "spark.continuous_checkpoint_ms");
    let update = SparkConfig { output_mode: OutputMode::Update, ..SparkConfig::default() };
    let e = key(update.validate(&pipe(WindowSpec::Session { gap_ms: 1 })).unwrap_err());
    assert_eq!(e.0, "spark.output_mode");
    assert!(e.1.contains("Invalid streaming output mode: update") && e.1.contains("session window"), "{}", e.1);
    assert_eq!(update.validate(&pipe(tumbling)), Ok(()));
    assert!(refusal(&WindowSpec::None, OutputMode::Complete).expect("refused").contains("no streaming aggregations"));
    assert_eq!(refusal(&tumbling, OutputMode::Complete), None);
    let bad = SparkConfig { batch_overhead: DistSpec::constant_ms(-1.0), ..SparkConfig::default() };
    assert_eq!(key(bad.validate(&pipe(tumbling)).unwrap_err()).0, "spark.batch_overhead");
}

/// A query with 2 tasks, 2 ms of map and 1 ms of aggregation work per record, values above 1 filtered
/// out, 50 ms of planning and a 5 ms commit log write per batch.
fn costed(window: WindowSpec, output_mode: OutputMode) -> Query {
    let pipe = PipelineConfig {
        filter_max_value: 1,
        map_cost: DistSpec::constant_ms(2.0),
        aggregate_cost: DistSpec::constant_ms(1.0),
        window,
        time: TimeDomain::Event,
        parallelism: 2,
        ..PipelineConfig::default()
    };
    let cfg = SparkConfig {
        batch_overhead: DistSpec::constant_ms(50.0),
        commit_overhead: DistSpec::constant_ms(5.0),
        watermark_delay_ms: 0,
        output_mode,
        ..SparkConfig::default()
    };
    Fed::new(SparkEngine::new(cfg, pipe, crate::rng::stream(1, "spark"), true))
}

/// StreamingQueryProgress durationMs: planning, then the tasks (partition % 2 picks the task; the batch
/// lasts as long as its busiest: partition 1's 3 records of 3 ms, not the task of partitions 0 and 2),
/// then the commit. Without a window each record is a result once the tasks are done, before the commit;
/// a value equal to the filter's bound passes it.
#[test]
fn a_batch_plans_runs_its_busiest_task_then_commits() {
    let mut e = costed(WindowSpec::None, OutputMode::Append);
    for (arrival, partition, value) in [(100, 1, 1), (200, 1, 1), (300, 1, 1), (400, 0, 1), (500, 2, 2)] {
        feed(&mut e, arrival, arrival as i64, partition, value);
    }
    e.advance_to(SimTime::from_millis(2000));
    let b = e.batches()[0];
    let phases = [b.trigger, b.planned, b.processed, b.committed].map(SimTime::as_millis);
    assert_eq!(phases, [1000, 1050, 1059, 1064]);
    let out = e.metrics().outputs.as_ref().expect("kept");
    let rows: Vec<_> =
        out.iter().map(|o| (o.start.as_ms(), o.end.as_nanos() - o.start.as_nanos(), o.emit.as_millis())).collect();
    // One row per record, in the order the batch read them: partition by partition.
    assert_eq!(rows, [(400, 1, 1059), (100, 1, 1059), (200, 1, 1059), (300, 1, 1059)]);
    let m = e.metrics();
    assert_eq!((m.records_in, m.filtered, m.records_in_results), (5, 1, 4));
    assert_eq!((m.latency.count(), m.latency.max()), (4, SimTime::from_millis(959)), "1059 - 100 ms");
}

/// Update mode emits a window each batch it changed; its records count as results once, with the latency
/// of the batch that first emitted them.
#[test]
fn update_mode_counts_each_record_in_results_once() {
    let mut e = costed(WindowSpec::Tumbling { size_ms: 1000 }, OutputMode::Update);
    feed(&mut e, 100, 100, 0, 1);
    feed(&mut e, 200, 200, 0, 1);
    feed(&mut e, 1100, 900, 0, 1);
    e.advance_to(SimTime::from_millis(2500));
    let out = e.metrics().outputs.as_ref().expect("kept");
    let rows: Vec<_> = out.iter().map(|o| (o.start.as_ms(), o.count, o.emit.as_millis())).collect();
    assert_eq!(rows, [(0, 2, 1056), (0, 3, 2053)], "[0, 1 s) after each batch that changed it");
    let m = e.metrics();
    assert_eq!(m.records_in_results, 3);
    assert_eq!(m.latency.count(), 3);
    assert_eq!(m.latency.mean(), SimTime(921_666_666), "(956 + 856 + 953) / 3 ms: 1056 - 100, 1056 - 200, 2053 - 1100");
}

/// A record for a window the watermark has passed: append and update modes drop it (late); complete mode
/// keeps every row in its state and counts it (StateStoreSaveExec: the Complete branch puts each row,
/// with no watermark filter).
#[test]
fn complete_mode_counts_a_row_the_watermark_passed_that_update_mode_drops() {
    for (mode, late, last) in [(OutputMode::Update, 1, (0, 1)), (OutputMode::Complete, 0, (0, 2))] {
        let mut e = costed(WindowSpec::Tumbling { size_ms: 1000 }, mode);
        feed(&mut e, 100, 100, 0, 1);
        feed(&mut e, 1100, 1500, 0, 1);
        // Read by the batch at 5 s, whose late rows are those behind the watermark of two batches before
        // (SPARK-40925): 1500 ms by then.
        feed(&mut e, 4100, 500, 0, 1);
        e.advance_to(SimTime::from_millis(6000));
        let m = e.metrics();
        let rows: Vec<(i64, u64)> = m
            .outputs
            .as_ref()
            .expect("kept")
            .iter()
            .filter(|o| o.start.as_ms() == 0)
            .map(|o| (o.start.as_ms(), o.count))
            .collect();
        assert_eq!((m.late, rows.last().copied()), (late, Some(last)), "{mode:?}: {rows:?}");
    }
}

/// Continuous processing: a record's row [event time, + 1 ns) is emitted when its map work (2 ms, one FIFO
/// task) ends, its latency counted from its creation; a value equal to the filter's bound (50) passes, and
/// a filtered record still takes its map work.
#[test]
fn a_continuous_row_follows_its_record_s_map_work() {
    let cfg = SparkConfig { mode: SparkMode::Continuous, ..SparkConfig::default() };
    let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
    feed(&mut e, 100, 40, 0, 51);
    feed(&mut e, 101, 41, 0, 50);
    let out = e.metrics().outputs.as_ref().expect("kept");
    let rows: Vec<_> =
        out.iter().map(|o| (o.start, o.end.as_nanos() - o.start.as_nanos(), o.emit.as_millis())).collect();
    assert_eq!(rows, [(EventTime::from_ms(41), 1, 104)]);
    let m = e.metrics();
    assert_eq!((m.filtered, m.records_in_results, m.latency.max()), (1, 1, SimTime::from_millis(3)));
}

/// A failure at the instant a batch commits finds it committed: it is not run again. A failure at the
/// instant of a trigger finds the batch started, with the offsets then available: its re-run reads the
/// same ones, and a record that came during the restart waits for the next batch.
#[test]
fn a_failure_at_a_batch_boundary_fails_what_has_started_and_not_what_committed() {
    let cfg = SparkConfig { restart_delay_ms: 1000, ..SparkConfig::default() };
    let mut e = engine(cfg.clone(), WindowSpec::None, TimeDomain::Event);
    feed(&mut e, 100, 100, 0, 1);
    e.fail(SimTime::from_millis(1052));
    e.finish(SimTime::from_millis(1100));
    assert_eq!(e.batches().iter().map(ms).collect::<Vec<_>>(), [(1000, 1052, 1)]);
    let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
    feed(&mut e, 100, 100, 0, 1);
    e.fail(SimTime::from_millis(1000));
    feed(&mut e, 1500, 1500, 0, 1);
    e.finish(SimTime::from_millis(1500));
    assert_eq!(e.batches().iter().map(ms).collect::<Vec<_>>(), [(2000, 2052, 1), (3000, 3052, 1)]);
}

/// The cluster's partition 0 gets `n` more records (offsets from its log end), all below the HW.
fn append(cl: &mut Cluster, n: u32) {
    let part = &mut cl.partitions[0];
    let base = part.log_end.0 as u32;
    part.append(batch(0, 0, base, n));
    part.hw = part.log_end;
}

/// KafkaMicroBatchStream through the fetch path: the trigger at 1 s takes the leader's high watermark
/// (3) and batch 0 reads exactly [0, 3) once its tasks start (50 ms of planning) and the fetch has made
/// its round trip (2 ms); the 2 records appended after the trigger, though the same fetch brings them,
/// belong to batch 1, decided at 2 s. Each batch lasts its tasks (3 ms a record) and its 5 ms commit.
#[test]
fn a_micro_batch_reads_exactly_the_range_decided_at_its_trigger() {
    let (mut env, mut cl) = (kafka_env(1), cluster(1, 1));
    let mut q = costed(WindowSpec::None, OutputMode::Append);
    let mut reader = EngineConsumer::default();
    reader.start(&q.e, &mut env, &cl, EngineId(0));
    append(&mut cl, 3);
    run_reading((&mut env, &mut cl), &mut reader, &mut q.e, SimTime::from_millis(1020));
    assert!(q.batches().is_empty() && q.metrics().records_in == 0, "nothing is read before its tasks start");
    // ProcessingTimeExecutor: the next trigger waits for the batch under way, whose end is not known yet.
    assert_eq!(q.reads(), Reads::AtTrigger(None));
    append(&mut cl, 2);
    run_reading((&mut env, &mut cl), &mut reader, &mut q.e, SimTime::from_millis(3000));
    let b: Vec<_> = q.batches().iter().map(ms).collect();
    assert_eq!(b, [(1000, 1066, 3), (2000, 2063, 2)]);
    let first = q.batches()[0];
    assert_eq!([first.planned, first.processed].map(SimTime::as_millis), [1050, 1061], "read at 1052");
    let emits: Vec<u64> = q.metrics().outputs.as_ref().expect("kept").iter().map(|o| o.emit.as_millis()).collect();
    assert_eq!(emits, [1061, 1061, 1061, 2058, 2058]);
    assert!(reader.caught_up(&cl));
}

/// Retention deletes the first 3 offsets of batch 0's range after its trigger, before its tasks read
/// them: the leader answers OFFSET_OUT_OF_RANGE, the tasks read on from the log start, and the batch runs
/// with the 2 records left; the 3 deleted ones are lost (failOnDataLoss = false), never read.
#[test]
fn offsets_retention_deleted_before_a_batch_read_them_are_lost() {
    let (mut env, mut cl) = (kafka_env(1), cluster(1, 1));
    let mut q = costed(WindowSpec::None, OutputMode::Append);
    let mut reader = EngineConsumer::default();
    reader.start(&q.e, &mut env, &cl, EngineId(0));
    append(&mut cl, 3);
    append(&mut cl, 2);
    run_reading((&mut env, &mut cl), &mut reader, &mut q.e, SimTime::from_millis(1020));
    cl.partitions[0].expire(Offset(5), |b| b.len() == 3);
    run_reading((&mut env, &mut cl), &mut reader, &mut q.e, SimTime::from_millis(3000));
    let b: Vec<_> = q.batches().iter().map(ms).collect();
    assert_eq!(b, [(1000, 1065, 2)], "read at 1054: a second round trip from the log start");
    let m = q.metrics();
    assert_eq!((m.records_in, m.lost, m.records_in_results), (2, 3, 2));
}

/// KafkaSourceRDD: a batch's tasks fetch its range once they start, each up to its partition's end offset.
/// A leader change while the batch is planned sends no fetch; partition 1, empty at the trigger, is not
/// fetched although records came since.
#[test]
fn a_batch_s_tasks_fetch_only_the_unread_part_of_its_range_once_they_start() {
    let (mut env, mut cl) = (kafka_env(1), cluster(1, 1));
    cl.partitions.push(Partition::new(PartitionId(1), vec![B0, B1, B2], 1));
    let mut q = costed(WindowSpec::None, OutputMode::Append);
    let mut reader = EngineConsumer::default();
    reader.start(&q.e, &mut env, &cl, EngineId(0));
    append(&mut cl, 3);
    run_reading((&mut env, &mut cl), &mut reader, &mut q.e, SimTime::from_millis(1020));
    let p1 = &mut cl.partitions[1];
    p1.append(batch(0, 0, 0, 2));
    p1.hw = p1.log_end;
    reader.refetch(&mut env, &cl, EngineId(0), None);
    assert_eq!(env.queue.peek_time(), Some(SimTime::from_millis(1050)), "nothing before the tasks start at 1050");
    run_reading((&mut env, &mut cl), &mut reader, &mut q.e, SimTime::from_millis(1050));
    match env.queue.pop() {
        Some((_, Event::ConsumerFetchArrive { offsets, .. })) => {
            assert_eq!(offsets, [FetchPosition { partition: P0, offset: Offset(0) }])
        }
        other => panic!("the tasks' fetch, not {other:?}"),
    }
}
