//! Charts as data (so students and tests can read them as text), drawn with plotters into SVG (for the
//! site) and PNG (for slides). Text is drawn with the bundled DejaVu Sans, which covers the Kazakh
//! alphabet, so a PNG comes out the same on a machine without fonts.

use crate::text::{Lang, Text};
use plotters::prelude::*;
use serde::Serialize;
use std::path::Path;
use std::sync::Once;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Axis {
    pub label: Text,
    pub log: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    pub name: Text,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    /// File name without extension.
    pub id: String,
    pub title: Text,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
}

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the bundled font with plotters (once per process).
pub fn register_font() {
    REGISTER.call_once(|| {
        // The font is bundled and valid; plotters only fails on unreadable font data.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1000.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

impl Chart {
    /// The chart's data as text: what insta snapshots and students read.
    pub fn to_text(&self, lang: Lang) -> String {
        let mut s = format!(
            "# {}\n# x: {}{}\n# y: {}{}\n",
            self.title.get(lang),
            self.x.label.get(lang),
            if self.x.log { " (log)" } else { "" },
            self.y.label.get(lang),
            if self.y.log { " (log)" } else { "" }
        );
        for series in &self.series {
            s += &format!("## {}\n", series.name.get(lang));
            for (x, y) in &series.points {
                s += &format!("{} {}\n", fmt_num(*x), fmt_num(*y));
            }
        }
        s
    }

    fn range(&self, pick: impl Fn(&(f64, f64)) -> f64, log: bool) -> (f64, f64) {
        let vals: Vec<f64> =
            self.series.iter().flat_map(|s| s.points.iter().map(&pick)).filter(|v| !log || *v > 0.0).collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return if log { (1.0, 10.0) } else { (0.0, 1.0) };
        }
        if log {
            (lo / 1.5, hi * 1.5)
        } else {
            let lo = lo.min(0.0);
            let pad = ((hi - lo) * 0.08).max(1e-9);
            (lo, hi + pad)
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, plotters::coord::Shift>, lang: Lang) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (x0, x1) = self.range(|p| p.0, self.x.log);
        let (y0, y1) = self.range(|p| p.1, self.y.log);
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(self.title.get(lang), ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72);
        macro_rules! finish {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(self.x.label.get(lang))
                    .y_desc(self.y.label.get(lang))
                    .label_style(("sans-serif", 14))
                    .axis_desc_style(("sans-serif", 16))
                    .x_label_formatter(&|v| fmt_num(*v))
                    .y_label_formatter(&|v| fmt_num(*v))
                    .draw()
                    .map_err(|e| e.to_string())?;
                for (i, s) in self.series.iter().enumerate() {
                    let color = COLORS[i % COLORS.len()];
                    let pts: Vec<(f64, f64)> = s
                        .points
                        .iter()
                        .copied()
                        .filter(|(x, y)| (!self.x.log || *x > 0.0) && (!self.y.log || *y > 0.0))
                        .collect();
                    chart
                        .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                        .map_err(|e| e.to_string())?
                        .label(s.name.get(lang))
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
                    if pts.len() <= 40 {
                        chart
                            .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
                            .map_err(|e| e.to_string())?;
                    }
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 14))
                    .position(SeriesLabelPosition::UpperLeft)
                    .draw()
                    .map_err(|e| e.to_string())?;
            }};
        }
        match (self.x.log, self.y.log) {
            (false, false) => finish!(builder.build_cartesian_2d(x0..x1, y0..y1).map_err(|e| e.to_string())?),
            (true, false) => {
                finish!(builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1).map_err(|e| e.to_string())?)
            }
            (false, true) => {
                finish!(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale()).map_err(|e| e.to_string())?)
            }
            (true, true) => {
                finish!(
                    builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale()).map_err(|e| e.to_string())?
                )
            }
        }
        root.present().map_err(|e| e.to_string())
    }

    /// Writes `dir/ID.LANG.svg` and `dir/ID.LANG.png`.
    pub fn render(&self, dir: &Path, lang: Lang) -> Result<(), String> {
        register_font();
        let base = dir.join(format!("{}.{}", self.id, lang.code()));
        let svg = base.with_extension(format!("{}.svg", lang.code()));
        let png = base.with_extension(format!("{}.png", lang.code()));
        self.draw(SVGBackend::new(&svg, (900, 540)).into_drawing_area(), lang)
            .map_err(|e| format!("drawing {}: {e}", svg.display()))?;
        self.draw(BitMapBackend::new(&png, (900, 540)).into_drawing_area(), lang)
            .map_err(|e| format!("drawing {}: {e}", png.display()))?;
        Ok(())
    }
}
