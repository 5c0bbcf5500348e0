//! Criterion benchmarks: the event queue alone, and the whole Kafka pipeline per simulated record.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use streamlab_sim::queue::EventQueue;
use streamlab_sim::{Scenario, SimTime, World};

fn event_queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_queue");
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("push_pop_100k_with_1k_pending", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            let mut x: u64 = 1;
            for i in 0..1_000u64 {
                q.push(SimTime(i), i);
            }
            for _ in 0..100_000 {
                let (t, e) = q.pop().expect("non-empty");
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                q.push(t + SimTime(x >> 44), e);
            }
            q.len()
        })
    });
    g.finish();
}

fn kafka_pipeline(c: &mut Criterion) {
    let text = include_str!("../../labs/scenarios/bench.toml");
    let mut s = Scenario::from_toml(text).expect("bench scenario");
    s.run.duration_ms = 200; // 200k records at 1M records/s
    let mut g = c.benchmark_group("kafka_pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Elements(200_000));
    g.bench_function("bench_scenario_200k_records", |b| {
        b.iter_batched(
            || World::new(&s),
            |mut w| {
                w.run().expect("runs");
                w.events_processed()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// Each engine alone, fed 100k records (1 per 10 us, 64 keys, 4 partitions) into 100 ms windows.
fn engines(c: &mut Criterion) {
    use streamlab_sim::engine::batch::{BatchConfig, BatchEngine};
    use streamlab_sim::engine::flink::{FlinkConfig, FlinkEngine};
    use streamlab_sim::engine::spark::{SparkConfig, SparkEngine};
    use streamlab_sim::engine::window::WindowSpec;
    use streamlab_sim::engine::{Engine, EngineRecord, PipelineConfig};
    use streamlab_sim::rng::stream;
    let pipe = PipelineConfig { window: WindowSpec::Tumbling { size_ms: 100 }, ..PipelineConfig::default() };
    let feed = |e: &mut dyn Engine| {
        for i in 0..100_000u64 {
            let t = SimTime::from_micros(i * 10);
            let r = EngineRecord {
                created: t,
                event_time: t.0 as i64,
                key: (i % 64) as u32,
                value: 1,
                partition: (i % 4) as u32,
            };
            e.on_record(t, r);
        }
        e.finish(SimTime::from_secs(1));
        e.metrics().results
    };
    let mut g = c.benchmark_group("engines");
    g.sample_size(10);
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("flink_100k", |b| {
        b.iter(|| feed(&mut FlinkEngine::new(FlinkConfig::default(), pipe.clone(), stream(1, "f"), false)))
    });
    g.bench_function("spark_100k", |b| {
        b.iter(|| feed(&mut SparkEngine::new(SparkConfig::default(), pipe.clone(), stream(1, "s"), false)))
    });
    g.bench_function("batch_100k", |b| {
        b.iter(|| feed(&mut BatchEngine::new(BatchConfig::default(), pipe.clone(), stream(1, "b"), false)))
    });
    g.finish();
}

criterion_group!(benches, event_queue, kafka_pipeline, engines);
criterion_main!(benches);
