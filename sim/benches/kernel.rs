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

criterion_group!(benches, event_queue, kafka_pipeline);
criterion_main!(benches);
