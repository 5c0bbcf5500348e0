//! The cluster diagram: producers, brokers with their leader and follower replicas, the in-sync replica
//! set, the controller, and the consumer group's assignment, drawn from `ClusterState` snapshots.

use super::draw::{COLORS, Ctx, GREY, Rect, Swatch, legend};
use super::{Cluster, Variant};
use crate::t;
use crate::text::Text;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use streamlab_sim::cluster_state::ClusterState;

type R = Result<(), String>;
const LIGHT: RGBColor = RGBColor(198, 219, 239);
const DEAD: RGBColor = RGBColor(235, 235, 235);

fn words() -> [Text; 8] {
    [
        t!("лидер", "leader"),
        t!("ізбасар, ISR-де", "follower in the ISR"),
        t!("ізбасар, ISR-ден тыс", "follower out of the ISR"),
        t!("брокер", "broker"),
        t!("KRaft контроллері", "KRaft controller"),
        t!("істен шықты", "down"),
        t!("тұтынушылар тобы", "consumer group"),
        t!("тұтынушы", "consumer"),
    ]
}

pub fn draw<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, cl: &Cluster, variant: Variant) -> R {
    let w = words();
    let get = |i: usize| w[i].get(c.lang).to_string();
    let items = [
        (Swatch::Box(COLORS[0]), get(0)),
        (Swatch::Box(LIGHT), get(1)),
        (Swatch::Dot(GREY), get(2)),
        (Swatch::Line(COLORS[3]), get(4)),
    ];
    let top = legend(c, r, &items)?;
    let n = cl.states.len().max(1) as i32;
    for (i, (label, state)) in cl.states.iter().enumerate() {
        let i = i as i32;
        let cell = match variant {
            Variant::Wide => {
                let cw = (r.x1 - r.x0) / n;
                Rect { x0: r.x0 + i * cw, y0: r.y0 + top, x1: r.x0 + (i + 1) * cw - 18, y1: r.y1 }
            }
            Variant::Narrow => {
                let ch = (r.y1 - r.y0 - top) / n;
                Rect { x0: r.x0, y0: r.y0 + top + i * ch, x1: r.x1, y1: r.y0 + top + (i + 1) * ch - 14 }
            }
        };
        let h = c.para(label.get(c.lang), (cell.x0, cell.y0), c.px, cell.x1 - cell.x0, INK)?;
        state_at(c, Rect { y0: cell.y0 + h + 8, ..cell }, state, &get)?;
    }
    Ok(())
}

const INK: RGBColor = RGBColor(30, 30, 30);

fn arrow<DB: DrawingBackend>(c: &Ctx<DB>, from: (i32, i32), to: (i32, i32)) -> R {
    c.line(vec![from, to], INK, 2)?;
    c.line(vec![(to.0 - 7, to.1 - 5), to, (to.0 - 7, to.1 + 5)], INK, 2)
}

fn state_at<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, s: &ClusterState, word: &dyn Fn(usize) -> String) -> R {
    let px = c.px - 2;
    let width = r.x1 - r.x0;
    let producer = |i: u32| format!("producer {}", i + 1);
    let pw = (0..s.producers).map(|i| c.width(&producer(i), px - 1)).max().unwrap_or(0) + 10;
    let gw = width * 24 / 100;
    let bx0 = r.x0 + pw + 18;
    let bw = (r.x1 - gw - 18 - bx0) / s.brokers.len().max(1) as i32;
    let head = |alive: bool, id: u32| {
        let h = format!("{} {id}", word(3));
        if alive { h } else { format!("{h}: {}", word(5)) }
    };
    let head_h = s.brokers.iter().map(|b| c.wrap(&head(b.alive, b.id), px, bw - 14).len() as i32).max().unwrap_or(1)
        * (px * 5 / 4);
    let chips =
        s.brokers.iter().map(|b| s.partitions.iter().filter(|p| p.replicas.contains(&b.id)).count()).max().unwrap_or(0);
    let box_h = 8 + head_h + 6 + chips as i32 * (px + 10);
    let mid = r.y0 + box_h / 2;
    // Producers, on the left.
    for i in 0..s.producers {
        let y = mid - (s.producers as i32 * (px + 16)) / 2 + i as i32 * (px + 16);
        c.rect(Rect { x0: r.x0, y0: y, x1: r.x0 + pw, y1: y + px + 10 }, INK, false)?;
        c.text(&producer(i), (r.x0 + pw / 2, y + (px + 10) / 2), px - 1, INK, HPos::Center, VPos::Center)?;
    }
    arrow(c, (r.x0 + pw + 2, mid), (bx0 - 3, mid))?;
    // Brokers with their replicas; the controller framed in orange.
    for b in &s.brokers {
        let x0 = bx0 + b.id as i32 * bw;
        let bx = Rect { x0, y0: r.y0, x1: x0 + bw - 8, y1: r.y0 + box_h };
        c.rect(bx, if b.alive { RGBColor(250, 250, 250) } else { DEAD }, true)?;
        if s.controller == Some(b.id) {
            c.rect(bx, COLORS[3], false)?;
            c.rect(Rect { x0: bx.x0 + 1, y0: bx.y0 + 1, x1: bx.x1 - 1, y1: bx.y1 - 1 }, COLORS[3], false)?;
        } else {
            c.rect(bx, if b.alive { INK } else { GREY }, false)?;
        }
        c.para(&head(b.alive, b.id), (x0 + 5, r.y0 + 6), px, bw - 14, if b.alive { INK } else { GREY })?;
        let mut y = r.y0 + 8 + head_h + 6;
        for p in s.partitions.iter().filter(|p| p.replicas.contains(&b.id)) {
            let chip = Rect { x0: x0 + 6, y0: y, x1: x0 + bw - 14, y1: y + px + 6 };
            let leader = p.leader == Some(b.id);
            let in_isr = p.isr.contains(&b.id);
            let (fill, text) = match (b.alive, leader, in_isr) {
                (false, _, _) => (DEAD, GREY),
                (true, true, _) => (COLORS[0], WHITE),
                (true, false, true) => (LIGHT, INK),
                (true, false, false) => (WHITE, GREY),
            };
            c.rect(chip, fill, true)?;
            c.rect(chip, if b.alive && (leader || in_isr) { COLORS[0] } else { GREY }, false)?;
            let mid = ((chip.x0 + chip.x1) / 2, (chip.y0 + chip.y1) / 2);
            c.text(&format!("P{}", p.id), mid, px - 1, text, HPos::Center, VPos::Center)?;
            y += px + 10;
        }
    }
    // The consumer group, on the right.
    let gx0 = r.x1 - gw;
    arrow(c, (bx0 + s.brokers.len() as i32 * bw - 6, mid), (gx0 - 3, mid))?;
    let mut y = r.y0 + c.para(&word(6), (gx0, r.y0), px, gw, INK)? + 4;
    for (i, m) in s.group.members.iter().enumerate() {
        let name = format!("{} {i}", word(7));
        let parts: Vec<String> = m.assigned.iter().map(|p| format!("P{p}")).collect();
        let color = if m.alive { INK } else { GREY };
        let head = if m.alive { name } else { format!("{name}: {}", word(5)) };
        let h1 = c.para(&head, (gx0 + 4, y + 3), px - 1, gw - 8, color)?;
        let h2 = c.para(&parts.join(" "), (gx0 + 4, y + 3 + h1), px - 1, gw - 8, COLORS[0])?;
        c.rect(Rect { x0: gx0, y0: y, x1: r.x1, y1: y + h1 + h2 + 6 }, color, false)?;
        y += h1 + h2 + 12;
    }
    Ok(())
}
