//! Drawing a figure with plotters' primitives: our own layout, so that labels never overlap and the
//! narrow variant gets a type scale readable on a phone.
//!
//! Over 600 lines on purpose: the plot kinds (lines, bars, Gantt) share one layout pass (margins measured
//! from the labels, the legend, the narrow variant's type scale), and splitting them would spread that
//! pass over files that each need all of it.

use super::ticks::{self, Unit};
use super::{Axis, Bars, Figure, Gantt, Lines, Mark, Plot, Style, Variant};
use crate::text::Lang;
use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::Once;

const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the bundled font with plotters (once per process).
fn register_font() {
    REGISTER.call_once(|| {
        // The font is bundled and valid; plotters only fails on unreadable font data.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

pub const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];
pub const GREY: RGBColor = RGBColor(120, 120, 120);
/// Phases of a Gantt span: light, dark, middle, so that neighbours always differ.
const PHASES: [RGBColor; 3] = [RGBColor(158, 202, 225), RGBColor(31, 119, 180), RGBColor(44, 160, 44)];
const GRID: RGBColor = RGBColor(228, 228, 228);
const INK: RGBColor = RGBColor(30, 30, 30);

type R<T = ()> = Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A rectangle in pixels.
#[derive(Clone, Copy, Debug)]
pub struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    fn w(&self) -> i32 {
        self.x1 - self.x0
    }
}

/// The drawing surface, the language and the type scale.
pub struct Ctx<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    pub lang: Lang,
    /// Base font size in pixels; titles are larger, tick labels the same.
    pub px: i32,
}

impl<DB: DrawingBackend> Ctx<'_, DB> {
    fn style(&self, px: i32, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
        ("sans-serif", px as f64).into_font().color(&color).pos(Pos::new(h, v))
    }

    pub fn text(&self, s: &str, (x, y): (i32, i32), px: i32, color: RGBColor, h: HPos, v: VPos) -> R {
        self.area.draw(&Text::new(s.to_string(), (x, y), self.style(px, color, h, v))).map_err(err)
    }

    fn vtext(&self, s: &str, (x, y): (i32, i32), px: i32) -> R {
        let style = self.style(px, INK, HPos::Center, VPos::Center).transform(FontTransform::Rotate270);
        self.area.draw(&Text::new(s.to_string(), (x, y), style)).map_err(err)
    }

    pub fn width(&self, s: &str, px: i32) -> i32 {
        self.area.estimate_text_size(s, &self.style(px, INK, HPos::Left, VPos::Top)).map(|(w, _)| w as i32).unwrap_or(0)
    }

    /// `s` broken into lines no wider than `max` pixels, at spaces.
    pub fn wrap(&self, s: &str, px: i32, max: i32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for word in s.split(' ') {
            match lines.last_mut() {
                Some(l) if self.width(&format!("{l} {word}"), px) <= max => {
                    l.push(' ');
                    l.push_str(word);
                }
                _ => lines.push(word.to_string()),
            }
        }
        lines
    }

    /// Wrapped text from the top left; returns the height used.
    pub fn para(&self, s: &str, (x, y): (i32, i32), px: i32, max: i32, color: RGBColor) -> R<i32> {
        let lines = self.wrap(s, px, max);
        for (i, l) in lines.iter().enumerate() {
            self.text(l, (x, y + i as i32 * (px * 5 / 4)), px, color, HPos::Left, VPos::Top)?;
        }
        Ok(lines.len() as i32 * (px * 5 / 4))
    }

    pub fn line(&self, pts: Vec<(i32, i32)>, color: RGBColor, width: u32) -> R {
        self.area.draw(&PathElement::new(pts, color.stroke_width(width))).map_err(err)
    }

    pub fn dashed(&self, from: (i32, i32), to: (i32, i32), color: RGBColor, width: u32) -> R {
        let (dx, dy) = ((to.0 - from.0) as f64, (to.1 - from.1) as f64);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let steps = (len / 6.0).ceil() as i32;
        for i in (0..steps).step_by(2) {
            let at = |k: i32| {
                let f = (f64::from(k) / f64::from(steps)).min(1.0);
                (from.0 + (dx * f) as i32, from.1 + (dy * f) as i32)
            };
            self.line(vec![at(i), at(i + 1)], color, width)?;
        }
        Ok(())
    }

    pub fn rect(&self, r: Rect, color: RGBColor, filled: bool) -> R {
        let style = if filled { color.filled() } else { color.stroke_width(1) };
        self.area.draw(&Rectangle::new([(r.x0, r.y0), (r.x1, r.y1)], style)).map_err(err)
    }

    fn dot(&self, (x, y): (i32, i32), r: i32, color: RGBColor) -> R {
        self.area.draw(&Circle::new((x, y), r, color.filled())).map_err(err)
    }
}

/// Legend entries: a swatch (line, box, or tick) and a name.
pub enum Swatch {
    Line(RGBColor),
    Box(RGBColor),
    Dot(RGBColor),
    /// A short vertical stroke, like a Gantt tick.
    Tick(RGBColor),
}

/// Draws legend entries in rows from the top left of `r`; returns the height used.
pub fn legend<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, items: &[(Swatch, String)]) -> R<i32> {
    let px = c.px - 1;
    let row = px * 3 / 2;
    let (mut x, mut y) = (r.x0, r.y0);
    for (swatch, name) in items {
        let w = 26 + c.width(name, px) + 16;
        if x > r.x0 && x + w > r.x1 {
            x = r.x0;
            y += row;
        }
        let mid = y + row / 2;
        match swatch {
            Swatch::Line(col) => c.line(vec![(x, mid), (x + 20, mid)], *col, 3)?,
            Swatch::Box(col) => c.rect(Rect { x0: x + 2, y0: mid - 6, x1: x + 18, y1: mid + 6 }, *col, true)?,
            Swatch::Dot(col) => c.dot((x + 10, mid), 4, *col)?,
            Swatch::Tick(col) => c.line(vec![(x + 10, mid - 6), (x + 10, mid + 6)], *col, 2)?,
        }
        c.text(name, (x + 26, mid), px, INK, HPos::Left, VPos::Center)?;
        x += w;
    }
    Ok(if items.is_empty() { 0 } else { y - r.y0 + row + 4 })
}

/// A value axis mapped onto pixels.
struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    p0: i32,
    p1: i32,
}

impl Scale {
    fn map(&self, v: f64) -> i32 {
        let f = |v: f64| if self.log { v.max(1e-12).log10() } else { v };
        let t = (f(v) - f(self.lo)) / (f(self.hi) - f(self.lo)).max(1e-12);
        self.p0 + ((self.p1 - self.p0) as f64 * t).round() as i32
    }

    fn ticks(&self, unit: Unit, n: usize, decades_only: bool) -> Vec<f64> {
        if self.log {
            ticks::log(self.lo, self.hi, decades_only, unit)
        } else {
            ticks::linear(self.lo, self.hi, n, unit)
        }
    }
}

/// The range an axis shows for these values (and marks): linear from zero when all are positive, log
/// rounded out to 1-2-5 steps.
fn range(vals: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let vals: Vec<f64> = vals.filter(|v| v.is_finite() && (!log || *v > 0.0)).collect();
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        let down = |v: f64| {
            let m = 10f64.powf(v.log10().floor());
            [5.0, 2.0, 1.0].iter().map(|k| k * m).find(|s| *s <= v * 1.0001).unwrap_or(m)
        };
        let up = |v: f64| {
            let m = 10f64.powf(v.log10().floor());
            [1.0, 2.0, 5.0, 10.0].iter().map(|k| k * m).find(|s| *s >= v * 0.9999).unwrap_or(10.0 * m)
        };
        // A little room beyond the data, so that no point sits on the frame.
        let (lo, hi) = (down(lo / 1.25), up(hi * 1.1));
        (lo, hi.max(lo * 10.0))
    } else {
        let lo = lo.min(0.0);
        let hi = if hi > lo { hi } else { lo + 1.0 };
        (lo, hi + (hi - lo) * 0.06)
    }
}

/// Draws the frame, grid and tick labels of a plot over `r`; returns the inner plot rectangle and
/// the two scales. Tick labels that would touch their neighbour are left out.
/// An x tick's length, and the room between its end and its label: the bitmap backend draws a glyph up to
/// two pixels above the top it is given, so the room is wider than the gap wanted.
const TICK_PX: i32 = 4;
const TICK_GAP_PX: i32 = 5;

/// The height under a plot for its x ticks, their labels and the axis label.
fn x_axis_band(px: i32) -> i32 {
    2 * px + TICK_PX + TICK_GAP_PX + 8
}

fn frame<DB: DrawingBackend>(
    c: &Ctx<DB>,
    r: Rect,
    (x, xr): (&Axis, (f64, f64)),
    y: Option<(&Axis, (f64, f64))>,
) -> R<(Rect, Scale, Option<Scale>)> {
    let px = c.px - 1;
    let n = if r.w() < 500 { 4 } else { 6 };
    let (ys, ylabels, left) = match y {
        Some((ya, yr)) => {
            let s = Scale { lo: yr.0, hi: yr.1, log: ya.log, p0: r.y1 - x_axis_band(px), p1: r.y0 };
            let ticks = s.ticks(ya.unit, 5, (s.p0 - s.p1) < 12 * px);
            let max = ticks.iter().copied().fold(0.0, f64::max);
            let labels: Vec<(f64, String)> =
                ticks.into_iter().map(|v| (v, ticks::label(ya.unit, v, max, c.lang))).collect();
            let w = labels.iter().map(|(_, l)| c.width(l, px)).max().unwrap_or(0);
            (Some(s), labels, w + px + 18)
        }
        None => (None, Vec::new(), 0),
    };
    let inner = Rect { x0: r.x0 + left, y0: r.y0, x1: r.x1 - 8, y1: r.y1 - x_axis_band(px) };
    let xs = Scale { lo: xr.0, hi: xr.1, log: x.log, p0: inner.x0, p1: inner.x1 };
    if let (Some(s), Some((ya, _))) = (&ys, y) {
        let mut last = i32::MAX;
        for (v, l) in &ylabels {
            let py = s.map(*v);
            c.line(vec![(inner.x0, py), (inner.x1, py)], GRID, 1)?;
            if last - py >= px * 3 / 2 {
                c.text(l, (inner.x0 - 6, py), px, INK, HPos::Right, VPos::Center)?;
                last = py;
            }
        }
        c.vtext(ya.label.get(c.lang), (r.x0 + px / 2 + 2, (inner.y0 + inner.y1) / 2), px)?;
    }
    // Log axes fall back to decades when the 1-2-5 labels would not all fit.
    let labels = |decades: bool| -> Vec<(i32, String, i32)> {
        let ticks = xs.ticks(x.unit, n, decades);
        let max = ticks.iter().copied().fold(0.0, f64::max);
        ticks
            .into_iter()
            .map(|v| {
                let l = ticks::label(x.unit, v, max, c.lang);
                let w = c.width(&l, px);
                (xs.map(v), l, w)
            })
            .collect()
    };
    let mut ticks = labels(false);
    let total: i32 = ticks.iter().map(|t| t.2 + 12).sum();
    if x.log && total > inner.w() * 3 / 4 {
        ticks = labels(true);
    }
    let mut right = i32::MIN;
    for (pxv, l, w) in ticks {
        c.line(vec![(pxv, inner.y0), (pxv, inner.y1)], GRID, 1)?;
        c.line(vec![(pxv, inner.y1), (pxv, inner.y1 + TICK_PX)], INK, 1)?;
        // A label that would leave the plot on the right ends at its tick instead.
        let (anchor, h) = if pxv + w / 2 > r.x1 { (pxv - w, HPos::Left) } else { (pxv - w / 2, HPos::Left) };
        if anchor > right + 10 {
            c.text(&l, (anchor, inner.y1 + TICK_PX + TICK_GAP_PX), px, INK, h, VPos::Top)?;
            right = anchor + w;
        }
    }
    c.line(vec![(inner.x0, inner.y1), (inner.x1, inner.y1)], INK, 1)?;
    if ys.is_some() {
        c.line(vec![(inner.x0, inner.y0), (inner.x0, inner.y1)], INK, 1)?;
    }
    c.text(x.label.get(c.lang), ((inner.x0 + inner.x1) / 2, r.y1), px, INK, HPos::Center, VPos::Bottom)?;
    Ok((inner, xs, ys))
}

fn lines<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, l: &Lines) -> R {
    let items: Vec<(Swatch, String)> = l
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let col = COLORS[i % COLORS.len()];
            (if s.style == Style::Dots { Swatch::Dot(col) } else { Swatch::Line(col) }, s.name.get(c.lang).to_string())
        })
        .collect();
    let top = if items.len() > 1 { legend(c, r, &items)? } else { 0 };
    let pts = || l.series.iter().flat_map(|s| s.points.iter());
    let xm = l.marks.iter().filter_map(|m| if let Mark::X { at, .. } = m { Some(*at) } else { None });
    let ym = l.marks.iter().filter_map(|m| if let Mark::Y { at, .. } = m { Some(*at) } else { None });
    let xr = range(pts().map(|p| p.0).chain(xm), l.x.log);
    let xr = if l.x.log { xr } else { (pts().map(|p| p.0).fold(xr.0, f64::min).min(xr.0), xr.1) };
    let yr = range(pts().map(|p| p.1).chain(ym), l.y.log);
    // The X marks' labels sit in a band above the plot, a row (or more, wrapped) each, left to right, each
    // beside a stroke above its mark's line: labels never cover each other, a line, the data or the tick
    // labels, even on a phone.
    let (mpx, row_h) = (c.px - 1, c.px + 3);
    // Where each mark will fall, estimated before the frame fixes the y axis's width: each label is wrapped
    // to the right of its mark when it fits there, else to the wider side.
    let guess = Scale { lo: xr.0, hi: xr.1, log: l.x.log, p0: r.x0 + 4 * c.px, p1: r.x1 - 8 };
    let mut xmarks: Vec<(f64, bool, Vec<String>)> = l
        .marks
        .iter()
        .filter_map(|m| match m {
            Mark::X { at, label } => {
                let x = guess.map(*at);
                let (right, left) = (guess.p1 - x - 5, x - 5 - r.x0);
                let text = label.get(c.lang);
                let on_right = c.width(text, mpx) <= right || right >= left;
                let width = if on_right { right } else { left }.min(r.w() * 3 / 4);
                Some((*at, on_right, c.wrap(text, mpx, width)))
            }
            Mark::Y { .. } => None,
        })
        .collect();
    xmarks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let band: i32 = xmarks.iter().map(|(_, _, lines)| lines.len() as i32 * row_h).sum::<i32>();
    let band = if band > 0 { band + 6 } else { 0 };
    let (inner, xs, ys) = frame(c, Rect { y0: r.y0 + top + band, ..r }, (&l.x, xr), Some((&l.y, yr)))?;
    let ys = ys.expect("a y axis");
    let inside = |(x, y): (f64, f64)| {
        (!l.x.log || x > 0.0) && (!l.y.log || y > 0.0) && x >= xr.0 && x <= xr.1 && y >= yr.0 && y <= yr.1
    };
    let mut y = r.y0 + top;
    for (at, right, lines) in &xmarks {
        let x = xs.map(*at);
        c.dashed((x, inner.y0), (x, inner.y1), INK, 1)?;
        c.line(vec![(x, y + 2), (x, y + lines.len() as i32 * row_h - 2)], INK, 2)?;
        let w = lines.iter().map(|t| c.width(t, mpx)).max().unwrap_or(0);
        let x0 = if *right { (x + 5).min(r.x1 - w) } else { (x - 5 - w).max(r.x0) };
        for t in lines {
            c.text(t, (x0, y), mpx, INK, HPos::Left, VPos::Top)?;
            y += row_h;
        }
    }
    for m in &l.marks {
        if let Mark::Y { at, label } = m {
            let y = ys.map(*at);
            c.dashed((inner.x0, y), (inner.x1, y), INK, 1)?;
            c.text(label.get(c.lang), (inner.x1 - 4, y - 3), mpx, INK, HPos::Right, VPos::Bottom)?;
        }
    }
    let pixels: Vec<Vec<(i32, i32)>> = l
        .series
        .iter()
        .map(|s| s.points.iter().copied().filter(|p| inside(*p)).map(|(x, y)| (xs.map(x), ys.map(y))).collect())
        .collect();
    let close = |a: &[(i32, i32)], b: &[(i32, i32)]| {
        a.iter().filter(|p| b.iter().any(|q| (p.0 - q.0).abs() <= 2 && (p.1 - q.1).abs() <= 2)).count() >= 2
    };
    for (i, s) in l.series.iter().enumerate() {
        let col = COLORS[i % COLORS.len()];
        let pts = pixels[i].clone();
        // A line that lies under a later one is drawn wider, so that it shows as the later one's outline.
        let under = pixels[i + 1..].iter().filter(|later| close(&pts, later)).count() as u32;
        let width = 3 + 3 * under.min(2);
        match s.style {
            Style::Line => {
                c.line(pts.clone(), col, width)?;
                if pts.len() <= 24 {
                    for p in pts {
                        c.dot(p, 4, col)?;
                    }
                }
            }
            Style::Dots => {
                for p in pts {
                    c.dot(p, 3, col)?;
                }
            }
        }
    }
    Ok(())
}

fn bars<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, b: &Bars) -> R {
    let mut items: Vec<(Swatch, String)> = b
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| (Swatch::Box(COLORS[i % COLORS.len()]), s.get(c.lang).to_string()))
        .collect();
    if let Some(n) = &b.needed {
        items.push((Swatch::Line(INK), n.get(c.lang).to_string()));
    }
    let top = if b.series.len() > 1 || b.needed.is_some() { legend(c, r, &items)? } else { 0 };
    let vals = b.groups.iter().flat_map(|g| g.values.iter().copied().chain(g.needed));
    let xr = range(vals, b.axis.log);
    let (inner, xs, _) = frame(c, Rect { y0: r.y0 + top, ..r }, (&b.axis, xr), None)?;
    let (label_h, bar_h) = (c.px + 6, bar_height(c.px, b));
    let mut y = inner.y0 + 4;
    for g in &b.groups {
        c.text(g.label.get(c.lang), (inner.x0, y), c.px, INK, HPos::Left, VPos::Top)?;
        y += label_h;
        let y_start = y;
        for (i, v) in g.values.iter().enumerate() {
            let col = COLORS[i % COLORS.len()];
            // Bars grow from zero (from the axis's start on a log axis), so negative values point left.
            let zero = xs.map(if b.axis.log { xr.0 } else { 0.0 });
            let end = xs.map(v.max(xr.0));
            let (x0, x1) = (zero.min(end), zero.max(end).max(zero.min(end) + 1));
            c.rect(Rect { x0, y0: y, x1, y1: y + bar_h - 3 }, col, true)?;
            let label = b.axis.unit.format(*v, c.lang);
            let w = c.width(&label, c.px - 1);
            let mid = y + bar_h / 2 - 1;
            // Outside the bar where it fits, stepping past the `needed` tick rather than crossing it;
            // else inside the bar, in white.
            let tick = g.needed.map(|n| xs.map(n));
            let crosses = |lx: i32| tick.is_some_and(|t| lx - 6 <= t && t <= lx + w + 8);
            let outside = if crosses(x1 + 5) { tick.map_or(x1 + 5, |t| t.max(x1) + 7) } else { x1 + 5 };
            if outside + w <= inner.x1 && !crosses(outside) {
                c.text(&label, (outside, mid), c.px - 1, INK, HPos::Left, VPos::Center)?;
            } else {
                c.text(&label, (x1 - 5, mid), c.px - 1, WHITE, HPos::Right, VPos::Center)?;
            }
            y += bar_h;
        }
        if let Some(n) = g.needed {
            let x = xs.map(n);
            c.line(vec![(x, y_start - 4), (x, y + 1)], INK, 3)?;
            let s = b.axis.unit.format(n, c.lang);
            let w = c.width(&s, c.px - 1);
            let tx = if x + 6 + w <= inner.x1 { x + 6 } else { x - 6 - w };
            c.text(&s, (tx, y_start - label_h), c.px - 1, INK, HPos::Left, VPos::Top)?;
        }
        y += 8;
    }
    Ok(())
}

/// Bars in the largest group.
fn bars_per_group(b: &Bars) -> i32 {
    b.groups.iter().map(|g| g.values.len()).max().unwrap_or(0) as i32
}

fn bar_height(px: i32, b: &Bars) -> i32 {
    if bars_per_group(b) > 1 { px + 8 } else { px + 12 }
}

/// The height bars need: a legend, per group a label and its bars, the axis.
fn bars_height(px: i32, b: &Bars) -> i32 {
    let per_group = px + 6 + bars_per_group(b) * bar_height(px, b) + 8;
    b.groups.len() as i32 * per_group + 4 * px + 40
}

fn gantt<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, g: &Gantt) -> R {
    let phase_color = |i: usize| PHASES[i % PHASES.len()];
    let mut items: Vec<(Swatch, String)> =
        g.phases.iter().enumerate().map(|(i, t)| (Swatch::Box(phase_color(i)), t.get(c.lang).to_string())).collect();
    items.push((Swatch::Line(COLORS[1]), g.overrun.get(c.lang).to_string()));
    items.push((Swatch::Tick(INK), g.tick.get(c.lang).to_string()));
    let top = legend(c, r, &items)?;
    let all =
        g.lanes.iter().flat_map(|l| l.spans.iter().flat_map(|s| [s.start, s.end()]).chain(l.ticks.iter().copied()));
    let xr = range(all, false);
    let (inner, xs, _) = frame(c, Rect { y0: r.y0 + top, ..r }, (&g.x, xr), None)?;
    let lane_h = (inner.y1 - inner.y0 - 8) / g.lanes.len().max(1) as i32;
    for (i, lane) in g.lanes.iter().enumerate() {
        let y = inner.y0 + 4 + i as i32 * lane_h;
        c.text(lane.label.get(c.lang), (inner.x0, y), c.px, INK, HPos::Left, VPos::Top)?;
        let ty = y + c.px + 8;
        for t in &lane.ticks {
            let x = xs.map(*t);
            c.line(vec![(x, ty), (x, ty + 10)], INK, 2)?;
        }
        let (b0, b1) = (ty + 12, (ty + 12 + c.px * 2).min(y + lane_h - 14));
        for s in &lane.spans {
            // Every phase at least 2 px wide, so that a short one still shows.
            let mut x0 = xs.map(s.start);
            for (k, end) in s.ends.iter().enumerate() {
                let x1 = xs.map(*end).max(x0 + 2);
                c.rect(Rect { x0, y0: b0, x1, y1: b1 }, phase_color(k), true)?;
                x0 = x1;
            }
            c.rect(Rect { x0: xs.map(s.start), y0: b0, x1: x0, y1: b1 }, WHITE, false)?;
            if s.overran() {
                c.rect(
                    Rect { x0: xs.map(s.due).max(xs.map(s.start)), y0: b1 + 3, x1: x0, y1: b1 + 8 },
                    COLORS[1],
                    true,
                )?;
            }
        }
    }
    Ok(())
}

/// One plot inside `r`.
pub fn plot<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, p: &Plot, variant: Variant) -> R {
    match p {
        Plot::Lines(l) => lines(c, r, l),
        Plot::Bars(b) => bars(c, r, b),
        Plot::Gantt(g) => gantt(c, r, g),
        Plot::Cluster(cl) => super::cluster::draw(c, r, cl, variant),
        Plot::Panels(panels) => {
            let cols = if variant == Variant::Narrow { 1 } else { panel_cols(panels.len()) };
            let cw = r.w() / cols as i32;
            let mut y0 = r.y0;
            for row in panels.chunks(cols) {
                let h = row.iter().map(|(_, p)| panel_height(p, c.px)).max().unwrap_or(0);
                for (col, (title, p)) in row.iter().enumerate() {
                    let x0 = r.x0 + col as i32 * cw;
                    let cell = Rect { x0, y0, x1: x0 + cw - 16, y1: y0 + h - 14 };
                    let th = c.para(title.get(c.lang), (cell.x0, cell.y0), c.px, cell.w(), INK)?;
                    plot(c, Rect { y0: cell.y0 + th + 6, ..cell }, p, variant)?;
                }
                y0 += h;
            }
            Ok(())
        }
    }
}

/// The height a panel takes: room for a two-line title and its plot.
fn panel_height(p: &Plot, px: i32) -> i32 {
    let body = match p {
        Plot::Bars(b) => bars_height(px, b),
        _ => 14 * px,
    };
    body + 3 * px + 20
}

fn panel_cols(n: usize) -> usize {
    if n > 4 { 3 } else { 2.min(n) }
}

/// Pixel size and base font size of a figure's drawing.
fn size(p: &Plot, variant: Variant) -> (u32, u32, i32) {
    let (w, px) = match variant {
        Variant::Wide => (900, 18),
        Variant::Narrow => (440, 22),
    };
    let body = match (p, variant) {
        (Plot::Bars(b), _) => bars_height(px, b),
        // The legend takes two rows when wide and about a row per entry on a phone.
        (Plot::Gantt(g), variant) => {
            let rows = if variant == Variant::Narrow { g.phases.len() as i32 + 1 } else { 2 };
            rows * (px - 1) * 3 / 2 + 60 + g.lanes.len() as i32 * (3 * px + 50)
        }
        // Per state: its label, the brokers (three header lines, a chip per replica), the group below.
        (Plot::Cluster(cl), Variant::Narrow) => {
            let chips = cl
                .states
                .iter()
                .flat_map(|(_, s)| {
                    s.brokers.iter().map(|b| s.partitions.iter().filter(|p| p.replicas.contains(&b.id)).count())
                })
                .max()
                .unwrap_or(0) as i32;
            cl.states.len() as i32 * (2 * px + 8 + 8 + 4 * px + 6 + chips * (px + 8) + 30 + 3 * px + 10) + 4 * px
        }
        (Plot::Cluster(_), Variant::Wide) => 250,
        (Plot::Panels(ps), variant) => {
            let cols = if variant == Variant::Narrow { 1 } else { panel_cols(ps.len()) };
            ps.chunks(cols).map(|row| row.iter().map(|(_, p)| panel_height(p, px - 2)).max().unwrap_or(0)).sum()
        }
        (_, Variant::Wide) => 460,
        (_, Variant::Narrow) => 420,
    };
    (w, (body + 3 * px + 30) as u32, px)
}

fn figure<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, f: &Figure, lang: Lang, variant: Variant, px: i32) -> R {
    register_font();
    area.fill(&WHITE).map_err(err)?;
    let c = Ctx { area, lang, px: if matches!(f.plot, Plot::Panels(_)) { px - 2 } else { px } };
    let (w, h) = area.dim_in_pixel();
    let title_px = px + px / 3;
    let tc = Ctx { px: title_px, ..Ctx { area, lang, px } };
    let th = tc.para(f.title.get(lang), (14, 10), title_px, w as i32 - 28, INK)?;
    plot(&c, Rect { x0: 14, y0: 10 + th + 10, x1: w as i32 - 14, y1: h as i32 - 10 }, &f.plot, variant)?;
    area.present().map_err(err)
}

pub fn svg(f: &Figure, lang: Lang, variant: Variant) -> R<String> {
    let (w, h, px) = size(&f.plot, variant);
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        figure(&area, f, lang, variant, px).map_err(|e| format!("drawing {}: {e}", f.id))?;
    }
    Ok(out)
}

pub fn png(f: &Figure, lang: Lang) -> R<Vec<u8>> {
    let (w, h, px) = size(&f.plot, Variant::Wide);
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        figure(&area, f, lang, Variant::Wide, px).map_err(|e| format!("drawing {}: {e}", f.id))?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| format!("encoding {}: {e}", f.id))?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{Axis, Figure, Lines, Series};
    use crate::t;

    /// Under every x tick of a PNG, the rows between the tick's end and its label hold no ink.
    #[test]
    fn an_x_tick_never_touches_its_label_in_a_png() {
        let f = Figure {
            id: "gap".into(),
            title: t!("а", "a"),
            caption: t!("а", "a"),
            plot: Plot::Lines(Lines {
                x: Axis::new(t!("x", "x"), Unit::Count),
                y: Axis::new(t!("y", "y"), Unit::Count),
                series: vec![Series::line(t!("s", "s"), vec![(0.0, 0.0), (8.0, 5.0)])],
                marks: vec![],
            }),
        };
        let png = png(&f, Lang::En).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let ink = |x: u32, y: u32| img.get_pixel(x, y)[0] < 128;
        // The x axis: the lowest row that is ink over most of the width.
        let axis = (0..img.height()).rev().find(|&y| (0..img.width()).filter(|&x| ink(x, y)).count() > 600).unwrap();
        let ticks: Vec<u32> = (1..img.width() - 1)
            .filter(|&x| {
                (1..=TICK_PX as u32).all(|d| ink(x, axis + d)) && !ink(x - 1, axis + 2) && !ink(x + 1, axis + 2)
            })
            .collect();
        assert!(ticks.len() >= 4, "ticks at {ticks:?}");
        for x in ticks {
            let end = axis + TICK_PX as u32;
            let first_ink = (end + 1..img.height()).find(|&y| (x - 2..=x + 2).any(|c| ink(c, y))).unwrap();
            assert!(first_ink - end > 2, "the label under the tick at x = {x} starts {} px below it", first_ink - end);
        }
    }
}
