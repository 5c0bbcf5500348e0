//! Criterion benchmarks at the sizes the simulator meets: the event queue holding tens of thousands of
//! 56-byte events (out of cache, as under a loaded cluster), whole runs long enough to reach the steady
//! state past the consumers' 500 ms long-poll waits, and engines holding window state for 10k keys.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use streamlab_sim::queue::{EventQueue, Recurring};
use streamlab_sim::{Scenario, SimTime, World};

/// An event the size of the simulator's own (seven words).
struct Payload([u64; 7]);

impl Recurring for Payload {
    fn of_source(source: u32) -> Payload {
        Payload([u64::from(source); 7])
    }
}

/// The hold model: `pending` events queued, then each step pops the earliest and pushes it again a
/// pseudo-random delay (0 to ~1 ms) later; then the same with each step handing off a chain of
/// same-instant events first; then four recurring sources (producers), each pushing its next event 1 ns
/// to ~4 us later, beside 10k events held 0 to ~100 ms (timers), taken as the world takes them: about nine
/// pops in ten are the sources', as in the Kafka bench.
fn event_queue(c: &mut Criterion) {
    const STEPS: u64 = 200_000;
    let mut g = c.benchmark_group("event_queue");
    g.throughput(Throughput::Elements(STEPS));
    for pending in [10_000u64, 60_000] {
        let mut x: u64 = 1;
        let mut delay = move || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            SimTime(x >> 44)
        };
        let mut q = EventQueue::new();
        for i in 0..pending {
            q.push(delay(), Payload([i; 7]));
        }
        g.bench_function(BenchmarkId::new("hold_56_byte_events", pending), |b| {
            b.iter(|| {
                let mut sum = 0;
                for _ in 0..STEPS {
                    let (t, e): (SimTime, Payload) = q.pop().expect("non-empty");
                    sum += e.0[3];
                    q.push(t + delay(), e);
                }
                sum
            })
        });
    }
    // A step as a message without delay makes it: the popped event's chain of three same-instant
    // follow-ups (request, append, answer), taken as the world takes them, then the next future event.
    let mut x: u64 = 1;
    let mut delay = move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        SimTime(1 + (x >> 44))
    };
    let mut q = EventQueue::new();
    for i in 0..10_000u64 {
        q.push(delay(), Payload([i; 7]));
    }
    g.bench_function(BenchmarkId::new("chain_of_3_at_the_same_instant", 10_000), |b| {
        b.iter(|| {
            let mut sum = 0;
            for _ in 0..STEPS {
                let (t, mut e): (SimTime, Payload) = q.pop().expect("non-empty");
                for _ in 0..3 {
                    q.push(t, e);
                    e = q.pop_handoff().expect("the next event");
                    sum += e.0[3];
                }
                q.push(t + delay(), e);
            }
            sum
        })
    });
    let mut q = EventQueue::new();
    for i in 0..10_000u64 {
        q.push(SimTime(delay().0 * 100), Payload([i; 7]));
    }
    for source in 0..4 {
        q.push_recurring(SimTime(1 + (delay().0 >> 8)), source);
    }
    g.bench_function(BenchmarkId::new("4_recurring_sources_beside", 10_000), |b| {
        b.iter(|| {
            let mut sum = 0;
            for _ in 0..STEPS {
                match q.pop_recurring() {
                    Some((t, source)) => {
                        sum += u64::from(source);
                        q.push_recurring(t + SimTime(1 + (delay().0 >> 8)), source);
                    }
                    None => {
                        let (t, e) = q.pop().expect("non-empty");
                        sum += e.0[3];
                        q.push(t + SimTime(delay().0 * 100), e);
                    }
                }
            }
            sum
        })
    });
    g.finish();
}

/// A built-in scenario without its pipeline, running `duration_ms` of production.
fn scenario(text: &str, duration_ms: u64) -> Scenario {
    let mut s = Scenario::from_toml(text).expect("built-in scenario");
    s.pipeline = None;
    s.run.duration_ms = duration_ms;
    s
}

fn whole_runs(c: &mut Criterion) {
    let runs = [
        // 4 producers, 12 partitions replicated 3 times, acks=all: 1.5M records at 1M records/s.
        ("kafka_1500k_records", scenario(include_str!("../../labs/scenarios/bench.toml"), 1500), 1_500_000),
        // Twelve M/M/1 queues fed one record at a time: 180k records at 120k records/s.
        ("mm1_180k_records", scenario(include_str!("../../labs/scenarios/mm1.toml"), 1500), 180_000),
    ];
    let mut g = c.benchmark_group("whole_run");
    g.sample_size(10);
    for (name, s, records) in runs {
        g.throughput(Throughput::Elements(records));
        g.bench_function(name, |b| {
            b.iter_batched(
                || World::new(&s),
                |mut w| {
                    w.run().expect("runs");
                    w.events_processed()
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

/// Each engine alone, fed 300k records (1 per 10 us, 10k keys, 12 partitions) into 1 s tumbling windows,
/// so each holds ~10k (window, key) aggregates when a watermark passes; and Flink into 150 ms sessions,
/// where each key's next record (100 ms later) merges into its open session among ~10k others.
fn engines(c: &mut Criterion) {
    use streamlab_sim::engine::batch::{BatchConfig, BatchEngine};
    use streamlab_sim::engine::flink::{FlinkConfig, FlinkEngine};
    use streamlab_sim::engine::spark::{SparkConfig, SparkEngine};
    use streamlab_sim::engine::window::WindowSpec;
    use streamlab_sim::engine::{Engine, EngineRecord, EventTime, PipelineConfig};
    use streamlab_sim::kafka::ids::{Offset, PartitionId};
    use streamlab_sim::rng::stream;
    const RECORDS: u64 = 300_000;
    let pipe = PipelineConfig { window: WindowSpec::Tumbling { size_ms: 1000 }, ..PipelineConfig::default() };
    let feed = |e: &mut dyn Engine| {
        for i in 0..RECORDS {
            let t = SimTime::from_micros(i * 10);
            let r = EngineRecord {
                created: t,
                event_time: EventTime::from(t),
                key: (i.wrapping_mul(7919) % 10_000) as u32,
                value: 1,
                partition: PartitionId((i % 12) as u32),
                offset: Offset(i / 12),
            };
            e.on_record(t, r);
        }
        e.finish(SimTime::from_micros(RECORDS * 10));
        e.metrics().results
    };
    let topic = streamlab_sim::scenario::TopicConfig { partitions: 12, ..Default::default() };
    let mut g = c.benchmark_group("engines");
    g.sample_size(10);
    g.throughput(Throughput::Elements(RECORDS));
    g.bench_function("flink_300k_10k_keys", |b| {
        b.iter(|| feed(&mut FlinkEngine::new(FlinkConfig::default(), pipe.clone(), &topic, stream(1, "f"), false)))
    });
    let sessions = PipelineConfig { window: WindowSpec::Session { gap_ms: 150 }, ..PipelineConfig::default() };
    g.bench_function("flink_sessions_300k_10k_keys", |b| {
        b.iter(|| feed(&mut FlinkEngine::new(FlinkConfig::default(), sessions.clone(), &topic, stream(1, "f"), false)))
    });
    g.bench_function("spark_300k_10k_keys", |b| {
        b.iter(|| feed(&mut SparkEngine::new(SparkConfig::default(), pipe.clone(), stream(1, "s"), false)))
    });
    g.bench_function("batch_300k_10k_keys", |b| {
        b.iter(|| feed(&mut BatchEngine::new(BatchConfig::default(), pipe.clone(), stream(1, "b"), false)))
    });
    g.finish();
}

criterion_group!(benches, event_queue, whole_runs, engines);
criterion_main!(benches);
