//! Distributions for delays and service times, as written in scenario files (milliseconds).

use crate::rng::SimRng;
use crate::time::{MAX_MS, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Pareto};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A distribution whose parameters cannot be drawn from, naming the field and what it must be.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum DistError {
    #[error(
        "`{field}` must be a finite number {} 0{} (got {})",
        if *.positive { ">" } else { ">=" },
        .max_ms.map(|m| format!(" and at most {m}")).unwrap_or_default(),
        crate::time::show_f64(*.value)
    )]
    OutOfRange { field: &'static str, value: f64, positive: bool, max_ms: Option<f64> },
    #[error("`max_ms` ({max_ms}) must not be below `min_ms` ({min_ms})")]
    Inverted { min_ms: f64, max_ms: f64 },
    #[error("`values_ms` must list at least one value")]
    NoValues,
}

/// A distribution of durations. In TOML: `{ dist = "exponential", mean_ms = 2.0 }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistSpec {
    /// Always `ms`.
    Constant { ms: f64 },
    /// Uniform on [min_ms, max_ms).
    Uniform { min_ms: f64, max_ms: f64 },
    /// Exponential with the given mean.
    Exponential { mean_ms: f64 },
    /// Normal, truncated at 0 (negative draws become 0).
    Normal { mean_ms: f64, std_ms: f64 },
    /// Log-normal: `median_ms * exp(sigma * Z)`.
    Lognormal { median_ms: f64, sigma: f64 },
    /// Pareto (heavy tail) with minimum `scale_ms` and tail index `shape`.
    Pareto { scale_ms: f64, shape: f64 },
    /// Draws uniformly from a list of observed values.
    Empirical { values_ms: Vec<f64> },
}

impl DistSpec {
    pub const fn constant_ms(ms: f64) -> Self {
        DistSpec::Constant { ms }
    }

    /// Checks the parameters; the message names the bad field and what it must be. Milliseconds must lie in
    /// [0, `time::MAX_MS`]; the shape parameters (`sigma`, `shape`) must be finite.
    pub fn validate(&self) -> Result<(), DistError> {
        fn check(field: &'static str, value: f64, positive: bool, max_ms: Option<f64>) -> Result<(), DistError> {
            let low = if positive { value > 0.0 } else { value >= 0.0 };
            if value.is_finite() && low && max_ms.is_none_or(|m| value <= m) {
                return Ok(());
            }
            Err(DistError::OutOfRange { field, value, positive, max_ms })
        }
        let ms = Some(MAX_MS as f64);
        let non_negative = |name, v| check(name, v, false, ms);
        let positive = |name, v| check(name, v, true, ms);
        match self {
            DistSpec::Constant { ms } => non_negative("ms", *ms),
            DistSpec::Uniform { min_ms, max_ms } => {
                non_negative("min_ms", *min_ms)?;
                non_negative("max_ms", *max_ms)?;
                if max_ms < min_ms {
                    return Err(DistError::Inverted { min_ms: *min_ms, max_ms: *max_ms });
                }
                Ok(())
            }
            DistSpec::Exponential { mean_ms } => positive("mean_ms", *mean_ms),
            DistSpec::Normal { mean_ms, std_ms } => {
                non_negative("mean_ms", *mean_ms)?;
                non_negative("std_ms", *std_ms)
            }
            DistSpec::Lognormal { median_ms, sigma } => {
                positive("median_ms", *median_ms)?;
                check("sigma", *sigma, false, None)
            }
            DistSpec::Pareto { scale_ms, shape } => {
                positive("scale_ms", *scale_ms)?;
                check("shape", *shape, true, None)
            }
            DistSpec::Empirical { values_ms } => {
                if values_ms.is_empty() {
                    return Err(DistError::NoValues);
                }
                values_ms.iter().try_for_each(|v| non_negative("values_ms", *v))
            }
        }
    }

    /// The mean in milliseconds (infinite for a Pareto tail index <= 1).
    pub fn mean_ms(&self) -> f64 {
        match self {
            DistSpec::Constant { ms } => *ms,
            DistSpec::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2.0,
            DistSpec::Exponential { mean_ms } => *mean_ms,
            DistSpec::Normal { mean_ms, .. } => *mean_ms,
            DistSpec::Lognormal { median_ms, sigma } => median_ms * (sigma * sigma / 2.0).exp(),
            DistSpec::Pareto { scale_ms, shape } if *shape > 1.0 => scale_ms * shape / (shape - 1.0),
            DistSpec::Pareto { .. } => f64::INFINITY,
            DistSpec::Empirical { values_ms } => values_ms.iter().sum::<f64>() / values_ms.len() as f64,
        }
    }

    /// What one draw costs in a work estimate: the mean, or the 99.9th percentile of a Pareto tail whose
    /// mean is infinite (tail index <= 1).
    pub fn work_ms(&self) -> f64 {
        match self {
            DistSpec::Pareto { scale_ms, shape } if *shape <= 1.0 => scale_ms * 1000f64.powf(1.0 / shape),
            _ => self.mean_ms(),
        }
    }

    /// Builds the sampler. Call `validate` first; invalid parameters panic here.
    pub fn sampler(&self) -> Sampler {
        let kind = match self {
            DistSpec::Constant { ms } => Kind::Constant(SimTime::from_millis_f64(*ms)),
            DistSpec::Uniform { min_ms, max_ms } => Kind::Uniform(*min_ms, *max_ms),
            DistSpec::Exponential { mean_ms } => Kind::Exp(Exp::new(1.0 / mean_ms).expect("validated")),
            DistSpec::Normal { mean_ms, std_ms } => Kind::Normal(Normal::new(*mean_ms, *std_ms).expect("validated")),
            DistSpec::Lognormal { median_ms, sigma } => {
                Kind::LogNormal(LogNormal::new(median_ms.ln(), *sigma).expect("validated"))
            }
            DistSpec::Pareto { scale_ms, shape } => Kind::Pareto(Pareto::new(*scale_ms, *shape).expect("validated")),
            DistSpec::Empirical { values_ms } => {
                Kind::Empirical(values_ms.iter().map(|v| SimTime::from_millis_f64(*v)).collect())
            }
        };
        Sampler { kind }
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Constant(SimTime),
    Uniform(f64, f64),
    Exp(Exp<f64>),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Pareto(Pareto<f64>),
    Empirical(Vec<SimTime>),
}

/// Draws durations from a `DistSpec`.
#[derive(Clone, Debug)]
pub struct Sampler {
    kind: Kind,
}

impl Sampler {
    pub fn sample(&self, rng: &mut SimRng) -> SimTime {
        let ms = match &self.kind {
            Kind::Constant(t) => return *t,
            Kind::Empirical(values) => return values[rng.random_range(0..values.len())],
            Kind::Uniform(lo, hi) if hi > lo => rng.random_range(*lo..*hi),
            Kind::Uniform(lo, _) => *lo,
            Kind::Exp(d) => d.sample(rng),
            Kind::Normal(d) => d.sample(rng),
            Kind::LogNormal(d) => d.sample(rng),
            Kind::Pareto(d) => d.sample(rng),
        };
        SimTime::from_millis_f64(ms)
    }

    /// True when every draw is zero, so callers can skip scheduling work.
    pub fn is_zero(&self) -> bool {
        matches!(self.kind, Kind::Constant(SimTime(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn mean_of(spec: &DistSpec, n: usize) -> f64 {
        let s = spec.sampler();
        let mut rng = stream(1, "dist-test");
        (0..n).map(|_| s.sample(&mut rng).as_millis_f64()).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_the_spec() {
        for spec in [
            DistSpec::Constant { ms: 2.5 },
            DistSpec::Uniform { min_ms: 1.0, max_ms: 3.0 },
            DistSpec::Exponential { mean_ms: 4.0 },
            DistSpec::Lognormal { median_ms: 1.0, sigma: 0.5 },
            DistSpec::Pareto { scale_ms: 1.0, shape: 3.0 },
            DistSpec::Empirical { values_ms: vec![1.0, 2.0, 6.0] },
        ] {
            let m = mean_of(&spec, 200_000);
            let want = spec.mean_ms();
            assert!((m - want).abs() / want < 0.02, "{spec:?}: sample mean {m}, expected {want}");
        }
    }

    #[test]
    fn normal_is_truncated_at_zero() {
        let s = DistSpec::Normal { mean_ms: 0.0, std_ms: 1.0 }.sampler();
        let mut rng = stream(3, "n");
        let draws: Vec<_> = (0..1000).map(|_| s.sample(&mut rng)).collect();
        assert!(draws.iter().any(|t| t.0 == 0), "half the draws are negative and must clamp to 0");
        assert!(draws.iter().any(|t| t.0 > 0));
    }

    #[test]
    fn validation_names_the_field() {
        let err = DistSpec::Exponential { mean_ms: 0.0 }.validate().unwrap_err().to_string();
        assert_eq!(err, format!("`mean_ms` must be a finite number > 0 and at most {MAX_MS} (got 0)"));
        let err = DistSpec::Uniform { min_ms: 5.0, max_ms: 1.0 }.validate();
        assert_eq!(err, Err(DistError::Inverted { min_ms: 5.0, max_ms: 1.0 }));
        assert_eq!(DistSpec::Empirical { values_ms: vec![] }.validate(), Err(DistError::NoValues));
        let err = DistSpec::Pareto { scale_ms: 1.0, shape: 0.0 }.validate().unwrap_err().to_string();
        assert_eq!(err, "`shape` must be a finite number > 0 (got 0)");
        for bad in [f64::NAN, f64::INFINITY, -1.0, 1e300] {
            let err = DistSpec::Constant { ms: bad }.validate().unwrap_err().to_string();
            assert!(err.contains("`ms`") && err.contains(&MAX_MS.to_string()), "{bad}: {err}");
        }
        assert!(DistSpec::Constant { ms: MAX_MS as f64 }.validate().is_ok());
    }

    #[test]
    fn work_of_an_infinite_mean_tail_is_its_99_9th_percentile() {
        assert_eq!(DistSpec::Pareto { scale_ms: 2.0, shape: 1.0 }.work_ms(), 2000.0);
        assert_eq!(DistSpec::Pareto { scale_ms: 1.0, shape: 2.0 }.work_ms(), 2.0);
        assert_eq!(DistSpec::Constant { ms: 3.0 }.work_ms(), 3.0);
    }
}
