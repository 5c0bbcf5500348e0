//! What producers send: when records are created (the arrival process), which key each carries, its
//! event time and value.

use crate::dist::Sampler;
use crate::kafka::partitioner::partition_for_key;
use crate::rng::SimRng;
use crate::scenario::{Arrival, Keys, ProducerConfig};
use crate::time::SimTime;
use rand::RngExt;
use rand_distr::{Distribution, Exp, Zipf};

/// A record as it travels from producer to consumer. `key == NO_KEY` means a null key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub created: SimTime,
    pub event_time: SimTime,
    pub key: u32,
    pub value: i32,
}

pub const NO_KEY: u32 = u32::MAX;

/// The key bytes of key number `k`, as producers serialize them.
pub fn key_bytes(k: u32) -> String {
    format!("key-{k}")
}

pub struct Workload {
    arrival: Arrival,
    rate_per_s: f64,
    gap: Exp<f64>,
    keys: KeyChooser,
    /// Partition of each key, computed once with Kafka's partitioner.
    key_partition: Vec<u32>,
    event_lag: Sampler,
}

enum KeyChooser {
    None,
    Uniform(u32),
    Zipf(Zipf<f64>),
}

impl Workload {
    pub fn new(cfg: &ProducerConfig, partitions: u32) -> Self {
        let (keys, count) = match cfg.keys {
            Keys::None => (KeyChooser::None, 0),
            Keys::Uniform { count } => (KeyChooser::Uniform(count), count),
            Keys::Zipf { count, exponent } => {
                (KeyChooser::Zipf(Zipf::new(f64::from(count), exponent).expect("validated")), count)
            }
        };
        Workload {
            arrival: cfg.arrival.clone(),
            rate_per_s: cfg.rate_per_s,
            gap: Exp::new(cfg.rate_per_s / 1e9).expect("validated: rate > 0"),
            keys,
            key_partition: (0..count).map(|k| partition_for_key(key_bytes(k).as_bytes(), partitions)).collect(),
            event_lag: cfg.event_time_lag.sampler(),
        }
    }

    /// The creation time of the record after one created at `now`.
    pub fn next_arrival(&self, now: SimTime, rng: &mut SimRng) -> SimTime {
        let exp_gap = |rng: &mut SimRng| SimTime(self.gap.sample(rng).round().max(1.0) as u64);
        match &self.arrival {
            Arrival::Constant => now + SimTime(((1e9 / self.rate_per_s).round() as u64).max(1)),
            Arrival::Poisson => now + exp_gap(rng),
            Arrival::Onoff { on_ms, off_ms } => {
                let period = SimTime::from_millis(on_ms + off_ms).0;
                let on = SimTime::from_millis(*on_ms).0;
                let mut t = now + exp_gap(rng);
                // Gaps that land in an off period restart at the next on period (memoryless).
                while t.0 % period >= on {
                    t = SimTime((t.0 / period + 1) * period) + exp_gap(rng);
                }
                t
            }
            Arrival::Diurnal { period_ms, amplitude } => {
                // Thinning (Lewis and Shedler): propose at the peak rate, accept with rate(t) / peak.
                let period = SimTime::from_millis(*period_ms).as_nanos() as f64;
                let peak = 1.0 + amplitude;
                let mut t = now;
                loop {
                    t += SimTime((self.gap.sample(rng) / peak).round().max(1.0) as u64);
                    let phase = std::f64::consts::TAU * (t.0 as f64 % period) / period;
                    if rng.random::<f64>() * peak <= 1.0 + amplitude * phase.sin() {
                        return t;
                    }
                }
            }
        }
    }

    /// A new record created at `now`, and its partition (None for a null key: sticky partitioning).
    pub fn record(&self, now: SimTime, rng: &mut SimRng) -> (Record, Option<u32>) {
        let key = match &self.keys {
            KeyChooser::None => NO_KEY,
            KeyChooser::Uniform(n) => rng.random_range(0..*n),
            KeyChooser::Zipf(z) => (z.sample(rng) as u32).saturating_sub(1),
        };
        let lag = if self.event_lag.is_zero() { SimTime::ZERO } else { self.event_lag.sample(rng) };
        let value = rng.random_range(1..=100);
        let partition = (key != NO_KEY).then(|| self.key_partition[key as usize]);
        (Record { created: now, event_time: now.saturating_sub(lag), key, value }, partition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn count_in(cfg: ProducerConfig, window: SimTime) -> u64 {
        let w = Workload::new(&cfg, 4);
        let mut rng = stream(9, "w");
        let mut t = SimTime::ZERO;
        let mut n = 0;
        loop {
            t = w.next_arrival(t, &mut rng);
            if t >= window {
                return n;
            }
            n += 1;
        }
    }

    #[test]
    fn arrival_processes_hit_their_rates() {
        let base = ProducerConfig { rate_per_s: 1000.0, ..Default::default() };
        let ten_s = SimTime::from_secs(10);
        assert_eq!(count_in(ProducerConfig { arrival: Arrival::Constant, ..base.clone() }, ten_s), 9_999);
        let poisson = count_in(base.clone(), ten_s);
        assert!((9_700..10_300).contains(&poisson), "{poisson}");
        let onoff =
            count_in(ProducerConfig { arrival: Arrival::Onoff { on_ms: 100, off_ms: 300 }, ..base.clone() }, ten_s);
        assert!((2_350..2_650).contains(&onoff), "a quarter of the time on: {onoff}");
        let diurnal =
            count_in(ProducerConfig { arrival: Arrival::Diurnal { period_ms: 1000, amplitude: 0.9 }, ..base }, ten_s);
        assert!((9_600..10_400).contains(&diurnal), "the sine averages out over whole periods: {diurnal}");
    }

    #[test]
    fn zipf_keys_are_skewed() {
        let cfg = ProducerConfig { keys: Keys::Zipf { count: 100, exponent: 1.2 }, ..Default::default() };
        let w = Workload::new(&cfg, 4);
        let mut rng = stream(9, "k");
        let mut hits = [0u32; 100];
        for _ in 0..10_000 {
            hits[w.record(SimTime::ZERO, &mut rng).0.key as usize] += 1;
        }
        assert!(hits[0] > 10 * hits[50], "key 0 is the hot key: {} vs {}", hits[0], hits[50]);
    }
}
