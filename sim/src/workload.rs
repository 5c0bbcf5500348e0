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
    /// Partition of each key, computed once with Kafka's partitioner. Two bytes each (a topic has at most
    /// 10 000 partitions): every record looks up a random key, and ten thousand keys fit the first-level cache.
    key_partition: Vec<u16>,
    event_lag: Sampler,
    /// The `day` arrival's profile and the bursts of the day under way.
    daily: Option<Daily>,
}

/// A daily rate profile with bursts: the rate at an instant relative to the day's mean.
struct Daily {
    day: u64,
    /// Relative rates per hour, scaled to a mean of 1.
    hourly: Vec<f64>,
    bursts_per_day: u32,
    burst: u64,
    burst_factor: f64,
    /// The day whose bursts are drawn, and their [start, end) in nanoseconds since the run began.
    drawn_day: Option<u64>,
    bursts: Vec<(u64, u64)>,
}

impl Daily {
    fn new(day_ms: u64, hourly: &[f64], bursts_per_day: u32, burst_ms: u64, burst_factor: f64) -> Daily {
        let mean = hourly.iter().sum::<f64>() / hourly.len() as f64;
        Daily {
            day: SimTime::from_millis(day_ms).0,
            hourly: hourly.iter().map(|r| r / mean).collect(),
            bursts_per_day,
            burst: SimTime::from_millis(burst_ms).0,
            burst_factor,
            drawn_day: None,
            bursts: Vec::new(),
        }
    }

    /// The profile at `t`: straight lines between the middles of the hours, round the clock.
    fn profile(&self, t: u64) -> f64 {
        let hour = (t % self.day) as f64 / self.day as f64 * 24.0 - 0.5;
        let h0 = hour.floor();
        let f = hour - h0;
        let at = |h: f64| self.hourly[h.rem_euclid(24.0) as usize];
        at(h0) * (1.0 - f) + at(h0 + 1.0) * f
    }

    fn peak(&self) -> f64 {
        self.hourly.iter().copied().fold(0.0, f64::max) * self.burst_factor
    }

    /// The rate at `t` relative to the mean, drawing the bursts of `t`'s day when it begins.
    fn rate(&mut self, t: u64, rng: &mut SimRng) -> f64 {
        let day = t / self.day;
        if self.drawn_day != Some(day) {
            let top = self.peak() / self.burst_factor;
            self.bursts = (0..self.bursts_per_day)
                .map(|_| {
                    loop {
                        // A start drawn from the profile by rejection: busy hours get more bursts.
                        let u = rng.random_range(0..self.day);
                        if rng.random::<f64>() * top <= self.profile(u) {
                            let start = day * self.day + u;
                            break (start, start + self.burst);
                        }
                    }
                })
                .collect();
            self.drawn_day = Some(day);
        }
        let in_burst = self.bursts.iter().any(|(a, b)| (*a..*b).contains(&t));
        self.profile(t) * if in_burst { self.burst_factor } else { 1.0 }
    }
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
            key_partition: (0..count)
                .map(|k| {
                    let p = partition_for_key(key_bytes(k).as_bytes(), partitions);
                    u16::try_from(p).expect("validated: at most 10 000 partitions")
                })
                .collect(),
            event_lag: cfg.event_time_lag.sampler(),
            daily: match &cfg.arrival {
                Arrival::Day { day_ms, hourly, bursts_per_day, burst_ms, burst_factor } => {
                    Some(Daily::new(*day_ms, hourly, *bursts_per_day, *burst_ms, *burst_factor))
                }
                _ => None,
            },
        }
    }

    /// The creation time of the record after one created at `now`.
    pub fn next_arrival(&mut self, now: SimTime, rng: &mut SimRng) -> SimTime {
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
            Arrival::Day { .. } => {
                let daily = self.daily.as_mut().expect("built for a day arrival");
                let peak = daily.peak();
                let mut t = now;
                loop {
                    t += SimTime((self.gap.sample(rng) / peak).round().max(1.0) as u64);
                    if rng.random::<f64>() * peak <= daily.rate(t.0, rng) {
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
        let partition = (key != NO_KEY).then(|| u32::from(self.key_partition[key as usize]));
        (Record { created: now, event_time: now.saturating_sub(lag), key, value }, partition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn count_in(cfg: ProducerConfig, window: SimTime) -> u64 {
        let mut w = Workload::new(&cfg, 4);
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

    /// A quiet first half of the day (relative rate 1) and a busy second half (3).
    fn half_busy() -> Vec<f64> {
        (0..24).map(|h| if h < 12 { 1.0 } else { 3.0 }).collect()
    }

    #[test]
    fn a_day_follows_its_hourly_profile() {
        let arrival =
            Arrival::Day { day_ms: 24_000, hourly: half_busy(), bursts_per_day: 0, burst_ms: 0, burst_factor: 1.0 };
        let mut w = Workload::new(&ProducerConfig { rate_per_s: 1000.0, arrival, ..Default::default() }, 4);
        let (mut rng, mut t, mut per_hour) = (stream(9, "d"), SimTime::ZERO, [0u32; 24]);
        while t < SimTime::from_secs(24) {
            per_hour[(t.0 / SimTime::from_secs(1).0) as usize] += 1;
            t = w.next_arrival(t, &mut rng);
        }
        // A mean of 1000/s: 500/s in the quiet hours and 1500/s in the busy ones, away from the seams.
        let (quiet, busy): (u32, u32) = (per_hour[2..10].iter().sum(), per_hour[14..22].iter().sum());
        assert!((3800..4200).contains(&quiet) && (11_600..12_400).contains(&busy), "{per_hour:?}");
        let d = Daily::new(24_000, &half_busy(), 0, 0, 1.0);
        assert_eq!(d.profile(SimTime::from_millis(11_500).0), 0.5, "the middle of a quiet hour");
        assert_eq!(d.profile(SimTime::from_millis(12_000).0), 1.0, "halfway between a quiet and a busy hour");
    }

    #[test]
    fn bursts_start_more_often_in_busy_hours_and_multiply_the_rate() {
        let mut d = Daily::new(24_000, &half_busy(), 1000, 10, 5.0);
        let mut rng = stream(9, "b");
        let calm = d.profile(SimTime::from_millis(500).0);
        d.rate(0, &mut rng);
        let busy_starts = d.bursts.iter().filter(|(a, _)| *a >= SimTime::from_secs(12).0).count();
        // Three times the rate, three times the bursts: 750 of 1000 expected.
        assert!((700..800).contains(&busy_starts), "{busy_starts}");
        let (a, b) = d.bursts[0];
        assert_eq!(b - a, SimTime::from_millis(10).0);
        assert_eq!(d.rate(a, &mut rng), 5.0 * d.profile(a));
        assert!(calm > 0.0 && d.drawn_day == Some(0));
        d.rate(SimTime::from_secs(25).0, &mut rng);
        assert_eq!(d.drawn_day, Some(1), "each day draws its own bursts");
        assert!(d.bursts.iter().all(|(a, _)| *a >= SimTime::from_secs(24).0));
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
