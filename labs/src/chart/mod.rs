//! Figures as data, so students and tests read them as text, drawn into SVG (the site, wide and narrow)
//! and PNG (slides). One small set of kinds serves every lab: lines (CDFs, sweeps, time series with event
//! markers), labelled bars, a Gantt timeline, a diagram of the cluster, and panels of these.
//!
//! Text is drawn with the bundled DejaVu Sans, which covers the Kazakh alphabet, so a PNG comes out the
//! same on a machine without fonts.

mod cluster;
mod draw;
pub mod ticks;

use crate::text::{Lang, Text};
use serde::Serialize;
use std::fmt::Write;
use streamlab_sim::cluster_state::ClusterState;
pub use ticks::Unit;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Axis {
    pub label: Text,
    pub unit: Unit,
    pub log: bool,
}

impl Axis {
    pub fn new(label: Text, unit: Unit) -> Axis {
        Axis { label, unit, log: false }
    }

    pub fn log(label: Text, unit: Unit) -> Axis {
        Axis { label, unit, log: true }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    Line,
    Dots,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    pub name: Text,
    pub style: Style,
    pub points: Vec<(f64, f64)>,
}

impl Series {
    pub fn line(name: Text, points: Vec<(f64, f64)>) -> Series {
        Series { name, style: Style::Line, points }
    }

    pub fn dots(name: Text, points: Vec<(f64, f64)>) -> Series {
        Series { name, style: Style::Dots, points }
    }
}

/// A labelled reference line across the plot: an event in a time series, or a threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Mark {
    /// A vertical line at x.
    X { at: f64, label: Text },
    /// A horizontal line at y.
    Y { at: f64, label: Text },
}

/// A chart over two axes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lines {
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    pub marks: Vec<Mark>,
}

/// One row of labelled bars: a value per series, and optionally what is needed (a target tick).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BarGroup {
    pub label: Text,
    pub values: Vec<f64>,
    pub needed: Option<f64>,
}

/// Horizontal bars in groups, each bar labelled with its value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bars {
    pub axis: Axis,
    pub series: Vec<Text>,
    /// The legend entry of the `needed` ticks.
    pub needed: Option<Text>,
    pub groups: Vec<BarGroup>,
}

/// One bar of a Gantt lane: phases one after another from `start`, drawn in the Gantt's phase colours.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Span {
    pub start: f64,
    /// Where each phase ends, in order; the last is the end of the span.
    pub ends: Vec<f64>,
    /// When its slot ends (the next trigger): the span overran if it ends later.
    pub due: f64,
}

impl Span {
    pub fn end(&self) -> f64 {
        self.ends.last().copied().unwrap_or(self.start)
    }

    pub fn overran(&self) -> bool {
        self.end() > self.due
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lane {
    pub label: Text,
    /// Instants drawn as ticks above the lane (triggers).
    pub ticks: Vec<f64>,
    pub spans: Vec<Span>,
}

/// Lanes of spans over time: each span's phases in colour, the part past its slot underlined, the ticks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gantt {
    pub x: Axis,
    /// The legend entry of each phase, in order.
    pub phases: Vec<Text>,
    /// The legend entries of the overrun underline and of the ticks.
    pub overrun: Text,
    pub tick: Text,
    pub lanes: Vec<Lane>,
}

/// The simulated cluster drawn from its state at two instants.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cluster {
    pub states: Vec<(Text, ClusterState)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Plot {
    Lines(Lines),
    Bars(Bars),
    Gantt(Gantt),
    Cluster(Cluster),
    /// Small plots side by side, each with its own title.
    Panels(Vec<(Text, Plot)>),
}

/// A figure: what it shows (title), what it answers (caption, quoting the measured numbers), and the plot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// File name without extension.
    pub id: String,
    pub title: Text,
    pub caption: Text,
    pub plot: Plot,
}

/// The two drawings of a figure: wide for desktops and slides, narrow for phones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Wide,
    Narrow,
}

/// Numbers in data text: enough digits to compare runs, none that only repeat noise.
fn num(v: f64) -> String {
    if v == 0.0 || v.abs() >= 1000.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

impl Plot {
    fn data(&self, out: &mut String) {
        let en = |t: &Text| t.en.clone();
        match self {
            Plot::Lines(l) => {
                let _ = writeln!(out, "lines x={:?}{} y={:?}{}", l.x.unit, log(l.x.log), l.y.unit, log(l.y.log));
                for m in &l.marks {
                    let _ = match m {
                        Mark::X { at, label } => writeln!(out, "mark x={} {}", num(*at), en(label)),
                        Mark::Y { at, label } => writeln!(out, "mark y={} {}", num(*at), en(label)),
                    };
                }
                for s in &l.series {
                    let pts: Vec<String> = s.points.iter().map(|(x, y)| format!("{} {}", num(*x), num(*y))).collect();
                    let _ = writeln!(out, "series {} ({:?}): {}", en(&s.name), s.style, pts.join(", "));
                }
            }
            Plot::Bars(b) => {
                let names: Vec<String> = b.series.iter().map(en).collect();
                let _ = writeln!(out, "bars {:?}{}: {}", b.axis.unit, log(b.axis.log), names.join(" | "));
                for g in &b.groups {
                    let vals: Vec<String> = g.values.iter().map(|v| num(*v)).collect();
                    let need = g.needed.map(|n| format!(" (needed {})", num(n))).unwrap_or_default();
                    let _ = writeln!(out, "  {}: {}{need}", en(&g.label), vals.join(" | "));
                }
            }
            Plot::Gantt(g) => {
                for lane in &g.lanes {
                    let spans: Vec<String> = lane
                        .spans
                        .iter()
                        .map(|s| {
                            let ends: Vec<String> = s.ends.iter().map(|e| num(*e)).collect();
                            format!("{}-{}{}", num(s.start), ends.join("-"), if s.overran() { "!" } else { "" })
                        })
                        .collect();
                    let _ =
                        writeln!(out, "lane {}: ticks {} spans {}", en(&lane.label), lane.ticks.len(), spans.join(" "));
                }
            }
            Plot::Cluster(c) => {
                for (label, s) in &c.states {
                    let _ =
                        writeln!(out, "cluster {} at {} ms, controller {:?}", en(label), num(s.at_ms), s.controller);
                    let dead: Vec<u32> = s.brokers.iter().filter(|b| !b.alive).map(|b| b.id).collect();
                    let _ = writeln!(out, "  dead brokers {dead:?}");
                    for p in &s.partitions {
                        let _ = writeln!(
                            out,
                            "  p{} leader {:?} isr {:?} replicas {:?}",
                            p.id, p.leader, p.isr, p.replicas
                        );
                    }
                    for m in &s.group.members {
                        let _ = writeln!(out, "  {} alive {} assigned {:?}", m.name, m.alive, m.assigned);
                    }
                }
            }
            Plot::Panels(panels) => {
                for (title, p) in panels {
                    let _ = writeln!(out, "panel {}", en(title));
                    p.data(out);
                }
            }
        }
    }

    fn words(&self, lang: Lang, out: &mut Vec<String>) {
        let push = |out: &mut Vec<String>, t: &Text| out.push(t.get(lang).to_string());
        match self {
            Plot::Lines(l) => {
                push(out, &l.x.label);
                push(out, &l.y.label);
                l.series.iter().for_each(|s| push(out, &s.name));
                for m in &l.marks {
                    match m {
                        Mark::X { label, .. } | Mark::Y { label, .. } => push(out, label),
                    }
                }
            }
            Plot::Bars(b) => {
                push(out, &b.axis.label);
                b.series.iter().chain(&b.needed).for_each(|t| push(out, t));
                b.groups.iter().for_each(|g| push(out, &g.label));
            }
            Plot::Gantt(g) => {
                push(out, &g.x.label);
                g.phases.iter().chain([&g.overrun, &g.tick]).for_each(|t| push(out, t));
                g.lanes.iter().for_each(|l| push(out, &l.label));
            }
            Plot::Cluster(c) => c.states.iter().for_each(|(l, _)| push(out, l)),
            Plot::Panels(panels) => {
                for (title, p) in panels {
                    push(out, title);
                    p.words(lang, out);
                }
            }
        }
    }
}

fn log(on: bool) -> &'static str {
    if on { " log" } else { "" }
}

impl Figure {
    /// The figure's data, the same in every language: what the data snapshots hold.
    pub fn data_text(&self) -> String {
        let mut s = format!("## {}\n", self.id);
        self.plot.data(&mut s);
        s
    }

    /// The figure's words in one language: title, caption, then every label, one per line.
    pub fn words_text(&self, lang: Lang) -> String {
        let mut words = Vec::new();
        self.plot.words(lang, &mut words);
        format!("## {}: {}\n_{}_\n{}\n", self.id, self.title.get(lang), self.caption.get(lang), words.join(" · "))
    }

    /// The file name of a drawing, without folder: `ID.LANG.svg`, `ID.LANG.narrow.svg`, `ID.LANG.png`.
    pub fn file(&self, lang: Lang, variant: Variant, ext: &str) -> String {
        match variant {
            Variant::Wide => format!("{}.{}.{ext}", self.id, lang.code()),
            Variant::Narrow => format!("{}.{}.narrow.{ext}", self.id, lang.code()),
        }
    }

    /// The drawing as SVG text.
    pub fn svg(&self, lang: Lang, variant: Variant) -> Result<String, String> {
        draw::svg(self, lang, variant)
    }

    /// The wide drawing as PNG bytes.
    pub fn png(&self, lang: Lang) -> Result<Vec<u8>, String> {
        draw::png(self, lang)
    }

    /// Writes `dir/ID.LANG.svg` and `dir/ID.LANG.narrow.svg`: what the site shows.
    pub fn render_svg(&self, dir: &std::path::Path, lang: Lang) -> Result<(), String> {
        for variant in [Variant::Wide, Variant::Narrow] {
            write(dir, self.file(lang, variant, "svg"), self.svg(lang, variant)?.as_bytes())?;
        }
        Ok(())
    }

    /// Writes both SVGs and `dir/ID.LANG.png` (for slides).
    pub fn render(&self, dir: &std::path::Path, lang: Lang) -> Result<(), String> {
        self.render_svg(dir, lang)?;
        write(dir, self.file(lang, Variant::Wide, "png"), &self.png(lang)?)
    }

    /// The same figure under another id (the review's `headline`).
    pub fn renamed(&self, id: &str) -> Figure {
        Figure { id: id.into(), ..self.clone() }
    }

    /// Markdown that shows the figure: a picture with the narrow drawing on small screens, then the
    /// caption in italics. `prefix` is the folder of the drawings, relative to the page.
    pub fn markdown(&self, lang: Lang, prefix: &str) -> String {
        format!(
            "<picture><source media=\"(max-width: 600px)\" srcset=\"{prefix}{}\"><img src=\"{prefix}{}\" alt=\"{}\"></picture>\n\n_{}_\n\n",
            self.file(lang, Variant::Narrow, "svg"),
            self.file(lang, Variant::Wide, "svg"),
            self.title.get(lang).replace('"', "'"),
            self.caption.get(lang)
        )
    }
}

fn write(dir: &std::path::Path, file: String, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(file);
    std::fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}
