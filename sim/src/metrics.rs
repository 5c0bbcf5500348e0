//! Streaming metrics whose memory does not grow with the number of records: log-linear latency
//! histograms (about 0.8 % relative error, like HdrHistogram with 2 significant digits), fixed-bucket
//! time series, and their serializable summaries.

use crate::time::SimTime;
use serde::Serialize;

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
const BUCKETS: usize = ((64 - SUB_BITS) as usize) * SUB as usize + SUB as usize;
/// Values below this are a bucket each (from it on, a power of two is split into `SUB` buckets).
const EXACT_BELOW: u64 = SUB << 1;

/// A histogram of durations in nanoseconds. Values below 256 ns are exact; above, each power of two is
/// split into 128 buckets.
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    count: u64,
    sum_ns: u128,
    min_ns: u64,
    max_ns: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

fn bucket_index(v: u64) -> usize {
    if v < EXACT_BELOW {
        return v as usize;
    }
    let shift = 63 - v.leading_zeros() - SUB_BITS;
    shift as usize * SUB as usize + (v >> shift) as usize
}

/// The smallest and one-past-largest value of a bucket.
fn bucket_range(idx: usize) -> (u64, u64) {
    if idx < EXACT_BELOW as usize {
        return (idx as u64, idx as u64 + 1);
    }
    let shift = (idx / SUB as usize - 1) as u32;
    let m = (idx % SUB as usize) as u64 + SUB;
    ((m << shift), (m << shift).saturating_add(1 << shift))
}

impl Histogram {
    pub fn new() -> Self {
        Histogram { counts: vec![0; BUCKETS].into_boxed_slice(), count: 0, sum_ns: 0, min_ns: u64::MAX, max_ns: 0 }
    }

    pub fn record(&mut self, d: SimTime) {
        self.record_n(d, 1);
    }

    pub fn record_n(&mut self, d: SimTime, n: u64) {
        let v = d.as_nanos();
        self.counts[bucket_index(v)] += n;
        self.count += n;
        self.sum_ns += u128::from(v) * u128::from(n);
        self.min_ns = self.min_ns.min(v);
        self.max_ns = self.max_ns.max(v);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean(&self) -> SimTime {
        if self.count == 0 { SimTime::ZERO } else { SimTime((self.sum_ns / u128::from(self.count)) as u64) }
    }

    pub fn max(&self) -> SimTime {
        SimTime(if self.count == 0 { 0 } else { self.max_ns })
    }

    /// The value at quantile `q` in [0, 1]: the middle of the bucket holding the rank-th smallest value,
    /// clamped to the observed min and max.
    pub fn quantile(&self, q: f64) -> SimTime {
        if self.count == 0 {
            return SimTime::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (idx, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bucket_range(idx);
                let mid = lo + (hi - lo - 1) / 2;
                return SimTime(mid.clamp(self.min_ns, self.max_ns));
            }
        }
        SimTime(self.max_ns)
    }

    /// Fraction of values at or below `t` (bucket resolution), for CDF charts.
    pub fn cdf_points(&self) -> Vec<(SimTime, f64)> {
        let mut out = Vec::new();
        let mut seen = 0;
        for (idx, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                seen += c;
                let (_, hi) = bucket_range(idx);
                out.push((SimTime((hi - 1).min(self.max_ns)), seen as f64 / self.count as f64));
            }
        }
        out
    }

    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            count: self.count,
            mean_ms: ms3(self.mean()),
            p50_ms: ms3(self.quantile(0.50)),
            p90_ms: ms3(self.quantile(0.90)),
            p99_ms: ms3(self.quantile(0.99)),
            p999_ms: ms3(self.quantile(0.999)),
            max_ms: ms3(self.max()),
        }
    }
}

/// Milliseconds rounded to the microsecond, so reports read well and compare exactly.
pub fn ms3(t: SimTime) -> f64 {
    (t.as_nanos() as f64 / 1e3).round() / 1e3
}

/// Percentiles of a latency histogram, in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

/// Values recorded into fixed-width time buckets: count, sum and max per bucket.
#[derive(Clone, Debug)]
pub struct TimeSeries {
    bucket: SimTime,
    buckets: Vec<Bucket>,
    /// Values later than this are not kept: they fall after the run has ended (a record whose processing
    /// would end days later), and keeping their buckets would grow the series without bound.
    horizon: SimTime,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    count: u64,
    sum: f64,
    max: f64,
}

impl TimeSeries {
    pub fn new(bucket: SimTime) -> Self {
        assert!(bucket.0 > 0, "bucket width must be positive");
        TimeSeries { bucket, buckets: Vec::new(), horizon: SimTime::MAX }
    }

    /// The series without the values later than `horizon`.
    pub fn until(self, horizon: SimTime) -> Self {
        TimeSeries { horizon, ..self }
    }

    /// Records `n` occurrences of `value` at time `t`.
    pub fn record_n(&mut self, t: SimTime, n: u64, value: f64) {
        if t > self.horizon {
            return;
        }
        let i = (t.0 / self.bucket.0) as usize;
        if i >= self.buckets.len() {
            self.buckets.resize(i + 1, Bucket { count: 0, sum: 0.0, max: f64::NEG_INFINITY });
        }
        let b = &mut self.buckets[i];
        b.count += n;
        b.sum += value * n as f64;
        b.max = b.max.max(value);
    }

    pub fn record(&mut self, t: SimTime, value: f64) {
        self.record_n(t, 1, value);
    }

    pub fn summary(&self) -> SeriesSummary {
        let round = |v: f64| (v * 1e3).round() / 1e3;
        SeriesSummary {
            bucket_ms: self.bucket.as_millis_f64(),
            count: self.buckets.iter().map(|b| b.count).collect(),
            mean: self.buckets.iter().map(|b| if b.count == 0 { 0.0 } else { round(b.sum / b.count as f64) }).collect(),
            max: self.buckets.iter().map(|b| if b.max.is_finite() { round(b.max) } else { 0.0 }).collect(),
        }
    }
}

/// A time series as written to results.json: per bucket, how many values, their mean and max.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesSummary {
    pub bucket_ms: f64,
    pub count: Vec<u64>,
    pub mean: Vec<f64>,
    pub max: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_ranges_tile_the_number_line() {
        let mut expected_lo = 0;
        for idx in 0..2000 {
            let (lo, hi) = bucket_range(idx);
            assert_eq!(lo, expected_lo, "bucket {idx}");
            assert_eq!(bucket_index(lo), idx);
            assert_eq!(bucket_index(hi - 1), idx);
            expected_lo = hi;
        }
        assert_eq!(bucket_index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles_of_one_to_ten_thousand_microseconds() {
        let mut h = Histogram::new();
        for us in 1..=10_000u64 {
            h.record(SimTime::from_micros(us));
        }
        let s = h.summary();
        assert_eq!(s.count, 10_000);
        assert_eq!(h.mean(), SimTime(5_000_500), "the mean is exact");
        assert_eq!(s.mean_ms, 5.001, "reports round to the microsecond");
        for (got, want) in [(s.p50_ms, 5.0), (s.p90_ms, 9.0), (s.p99_ms, 9.9), (s.p999_ms, 9.99)] {
            assert!((got - want).abs() / want < 0.008, "got {got}, want {want}");
        }
        assert_eq!(s.max_ms, 10.0);
    }

    #[test]
    fn series_buckets_by_time() {
        let mut ts = TimeSeries::new(SimTime::from_millis(100));
        ts.record(SimTime::from_millis(10), 2.0);
        ts.record(SimTime::from_millis(90), 4.0);
        ts.record(SimTime::from_millis(250), 1.0);
        // Back to an earlier bucket, and the edges of one: 100 ms opens the second, 199.999999 ms ends it.
        ts.record(SimTime::from_millis(50), 6.0);
        ts.record(SimTime::from_millis(100), 3.0);
        ts.record(SimTime(SimTime::from_millis(200).0 - 1), 5.0);
        let s = ts.summary();
        assert_eq!(s.count, vec![3, 2, 1]);
        assert_eq!(s.mean, vec![4.0, 4.0, 1.0]);
        assert_eq!(s.max, vec![6.0, 5.0, 1.0]);
    }

    #[test]
    fn a_value_after_the_horizon_is_not_kept() {
        let mut ts = TimeSeries::new(SimTime::from_millis(100)).until(SimTime::from_millis(250));
        ts.record(SimTime::from_millis(250), 1.0);
        // A record whose processing would end in 30 years: no 10^10 buckets.
        ts.record(SimTime::from_millis(1_000_000_000_000), 5.0);
        assert_eq!(ts.summary().count, vec![0, 0, 1]);
    }

    #[test]
    fn an_empty_histogram_reports_zeros() {
        let h = Histogram::default();
        assert_eq!((h.count(), h.mean(), h.max(), h.quantile(0.5)), (0, SimTime::ZERO, SimTime::ZERO, SimTime::ZERO));
        assert!(h.cdf_points().is_empty());
    }

    /// Values below 256 ns are exact; quantiles stay within the observed min and max.
    #[test]
    fn weighted_values_quantiles_and_cdf() {
        let mut h = Histogram::new();
        h.record_n(SimTime(5), 2);
        h.record(SimTime(10));
        h.record(SimTime(300));
        assert_eq!(h.count(), 4);
        assert_eq!(h.mean(), SimTime(80), "(2 * 5 + 10 + 300) / 4");
        assert_eq!(h.max(), SimTime(300));
        assert_eq!(h.quantile(0.0), SimTime(5), "rank at least 1: the smallest value");
        assert_eq!(h.quantile(0.5), SimTime(5));
        assert_eq!(h.quantile(0.51), SimTime(10));
        assert_eq!(h.quantile(0.75), SimTime(10));
        assert_eq!(h.quantile(7.0), SimTime(300), "q above 1 is 1; bucket [300, 302) clamped to the max");
        assert_eq!(h.cdf_points(), [(SimTime(5), 0.5), (SimTime(10), 0.75), (SimTime(300), 1.0)]);
        assert_eq!(bucket_range(bucket_index(300)), (300, 302), "above 256 ns a bucket is 2 ns wide, and so on");
        let mut one = Histogram::new();
        one.record(SimTime(1_000_001));
        assert_eq!(one.quantile(0.5), SimTime(1_000_001), "the bucket's middle clamped to the only value");
        assert_eq!(one.summary().p50_ms, 1.0);
        assert_eq!(one.summary().max_ms, 1.0);
    }

    /// 1 ms lies in the bucket [999 424, 1 003 520) ns (4096 ns wide): a quantile is its middle.
    #[test]
    fn a_quantile_is_the_middle_of_its_bucket() {
        let mut h = Histogram::new();
        h.record(SimTime(1_000_000));
        h.record(SimTime(2_000_000));
        assert_eq!(bucket_range(bucket_index(1_000_000)), (999_424, 1_003_520));
        assert_eq!(h.quantile(0.5), SimTime(999_424 + 2047));
    }

    #[test]
    fn reports_round_to_the_microsecond() {
        assert_eq!(ms3(SimTime(1_234_567)), 1.235);
        assert_eq!(ms3(SimTime(1_234_499)), 1.234);
        assert_eq!(ms3(SimTime::ZERO), 0.0);
    }

    #[test]
    fn series_weights_repeated_values_and_rounds_to_three_digits() {
        let mut ts = TimeSeries::new(SimTime::from_millis(10));
        ts.record_n(SimTime::from_millis(5), 3, 1.0);
        ts.record(SimTime::from_millis(9), 2.0);
        ts.record(SimTime::from_millis(25), -1.23456);
        let s = ts.summary();
        assert_eq!(s.bucket_ms, 10.0);
        assert_eq!(s.count, vec![4, 0, 1]);
        assert_eq!(s.mean, vec![1.25, 0.0, -1.235]);
        assert_eq!(s.max, vec![2.0, 0.0, -1.235], "an empty bucket shows 0, a negative maximum stays");
    }

    #[test]
    #[should_panic(expected = "bucket width must be positive")]
    fn a_series_needs_a_positive_bucket() {
        TimeSeries::new(SimTime::ZERO);
    }
}
