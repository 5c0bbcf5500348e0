//! Units and axis ticks a person reads without arithmetic: 1-2-5 steps, durations in мс/с/мин (ms/s/min),
//! counts with thousands in words, and a decimal comma in Kazakh.

use crate::text::{Lang, Text};
use serde::Serialize;

/// What an axis or a bar measures, which decides how its numbers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A duration given in milliseconds, written in мс, с or мин as its size asks.
    Ms,
    /// Records, duplicates, requests: whole things.
    Count,
    /// A plain number (a load ratio, a fraction, an hour of the day).
    Plain,
    /// Degrees Celsius.
    Celsius,
    /// An hour of the day, written as a clock time: `06:00`.
    Hour,
}

/// A number with up to `digits` decimals, trailing zeros dropped, in the language's notation.
pub fn number(v: f64, digits: usize, lang: Lang) -> String {
    let mut s = format!("{v:.digits$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if s == "-0" {
        s = "0".into();
    }
    match lang {
        Lang::Kk => s.replace('.', ","),
        Lang::En => s,
    }
}

/// Enough decimals to tell `v` apart at about three significant digits.
fn digits_for(v: f64) -> usize {
    let a = v.abs();
    if a == 0.0 || a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    }
}

impl Unit {
    /// `v` written for readers of both languages.
    pub fn text(self, v: f64) -> Text {
        Text::new(self.format(v, Lang::Kk), self.format(v, Lang::En))
    }

    /// `v` written for a reader: `250 мс`, `2,5 с`, `1,5 мин`, `12 мың`, `0,99`.
    pub fn format(self, v: f64, lang: Lang) -> String {
        if v == 0.0 {
            return "0".into();
        }
        let kk = lang == Lang::Kk;
        let scaled = |v: f64, unit_kk: &str, unit_en: &str| {
            let unit = if kk { unit_kk } else { unit_en };
            format!("{} {unit}", number(v, digits_for(v).min(2), lang)).trim_end().to_string()
        };
        match self {
            Unit::Ms if v.abs() >= 60_000.0 => scaled(v / 60_000.0, "мин", "min"),
            Unit::Ms if v.abs() >= 1000.0 => scaled(v / 1000.0, "с", "s"),
            Unit::Ms => scaled(v, "мс", "ms"),
            Unit::Count if v.abs() >= 1e6 => scaled(v / 1e6, "млн", "M"),
            Unit::Count if v.abs() >= 1e4 => scaled(v / 1e3, "мың", "k"),
            Unit::Count => number(v, if v.fract() == 0.0 { 0 } else { 1 }, lang),
            Unit::Plain => number(v, digits_for(v), lang),
            Unit::Celsius => format!("{} °C", number(v, 2, lang)),
            Unit::Hour => {
                let minutes = (v * 60.0).round() as i64;
                format!("{:02}:{:02}", minutes.div_euclid(60), minutes.rem_euclid(60))
            }
        }
    }
}

/// A tick's label: like `Unit::format`, but counts on an axis that reaches ten thousand are all written
/// in thousands, so that `5 мың` stands next to `10 мың` rather than `5000`.
pub fn label(unit: Unit, v: f64, max: f64, lang: Lang) -> String {
    if unit == Unit::Count && max.abs() >= 1e4 && max.abs() < 1e6 && v.abs() >= 1000.0 && v.abs() < 1e4 {
        let thousands = match lang {
            Lang::Kk => "мың",
            Lang::En => "k",
        };
        return format!("{} {thousands}", number(v / 1000.0, 1, lang));
    }
    unit.format(v, lang)
}

/// Tick positions for a linear axis over `lo..hi`: a 1-2-5 step giving about `n` ticks. For durations
/// the step snaps to whole seconds and minutes once it reaches them.
pub fn linear(lo: f64, hi: f64, n: usize, unit: Unit) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    if unit == Unit::Ms && step > 20_000.0 && step < 60_000.0 {
        step = 60_000.0;
    }
    if unit == Unit::Count && step < 1.0 {
        step = 1.0;
    }
    if unit == Unit::Hour {
        // A clock divides the day by 1, 2, 3, 6 or 12 hours.
        step = [1.0, 2.0, 3.0, 6.0, 12.0].into_iter().find(|s| *s >= raw * 0.9).unwrap_or(24.0);
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// Tick positions for a log axis over `lo..hi` (both > 0): powers of ten, with 2 and 5 between them
/// when the range spans fewer than three decades.
pub fn log(lo: f64, hi: f64, decades_only: bool, unit: Unit) -> Vec<f64> {
    if unit == Unit::Ms && hi > 60_000.0 {
        // Durations past a minute step by minutes and hours, not by powers of ten of milliseconds.
        let human = [1.0, 10.0, 100.0, 1000.0, 10_000.0, 60_000.0, 600_000.0, 3_600_000.0, 36_000_000.0];
        return human.into_iter().filter(|v| *v >= lo * 0.999 && *v <= hi * 1.001).collect();
    }
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let pick = |mults: &[f64]| -> Vec<f64> {
        (a..=b)
            .flat_map(|e| mults.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|v| *v >= lo * 0.999 && *v <= hi * 1.001)
            .collect()
    };
    let ticks = pick(if b - a <= 2 && !decades_only { &[1.0, 2.0, 5.0] } else { &[1.0] });
    // One decade alone in the range tells nothing of the scale: then the 1-2-5 ticks (the axis drops any
    // label that would touch its neighbour).
    if ticks.len() < 2 { pick(&[1.0, 2.0, 5.0]) } else { ticks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_axis_with_one_decade_in_range_gets_its_1_2_5_ticks() {
        assert_eq!(log(2.0, 50.0, true, Unit::Plain), vec![2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(log(1.0, 1000.0, true, Unit::Plain), vec![1.0, 10.0, 100.0, 1000.0]);
    }

    #[test]
    fn durations_read_in_their_own_unit() {
        assert_eq!(Unit::Ms.format(250.0, Lang::Kk), "250 мс");
        assert_eq!(Unit::Ms.format(2500.0, Lang::Kk), "2,5 с");
        assert_eq!(Unit::Ms.format(2500.0, Lang::En), "2.5 s");
        assert_eq!(Unit::Ms.format(90_000.0, Lang::Kk), "1,5 мин");
        assert_eq!(Unit::Ms.format(0.35, Lang::En), "0.35 ms");
        assert_eq!(Unit::Count.format(12_000.0, Lang::Kk), "12 мың");
        assert_eq!(Unit::Count.format(2_500_000.0, Lang::En), "2.5 M");
        assert_eq!(Unit::Count.format(417.0, Lang::En), "417");
        assert_eq!(label(Unit::Count, 5000.0, 15_000.0, Lang::Kk), "5 мың");
        assert_eq!(label(Unit::Count, 5000.0, 6000.0, Lang::Kk), "5000");
        assert_eq!(Unit::Hour.format(20.75, Lang::Kk), "20:45");
    }

    #[test]
    fn ticks_step_by_one_two_five_and_log_ticks_thin_out_over_many_decades() {
        assert_eq!(linear(0.0, 10.0, 5, Unit::Plain), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(linear(0.0, 150_000.0, 4, Unit::Ms), vec![0.0, 60_000.0, 120_000.0]);
        assert_eq!(linear(0.0, 25.4, 4, Unit::Hour), vec![0.0, 6.0, 12.0, 18.0, 24.0]);
        assert_eq!(log(1.0, 100.0, false, Unit::Plain), vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
        assert_eq!(log(1.0, 100.0, true, Unit::Plain), vec![1.0, 10.0, 100.0]);
        assert_eq!(log(0.5, 20_000.0, false, Unit::Count), vec![1.0, 10.0, 100.0, 1000.0, 10_000.0]);
        assert_eq!(log(50.0, 100_000.0, false, Unit::Ms), vec![100.0, 1000.0, 10_000.0, 60_000.0]);
    }
}
