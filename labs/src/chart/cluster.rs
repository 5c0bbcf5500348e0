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

fn words() -> [Text; 7] {
    [
        t!("лидер", "leader"),
        t!("ізбасар, ISR-де", "follower in the ISR"),
        t!("ізбасар, ISR-ден тыс", "follower out of the ISR"),
        t!("брокер", "broker"),
        t!("KRaft контроллері", "KRaft controller"),
        t!("істен шықты", "down"),
        t!("тұтынушылар тобы", "consumer group"),
    ]
}

pub fn draw<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, cl: &Cluster, variant: Variant) -> R {
    let w = words();
    let get = |i: usize| w[i].get(c.lang).to_string();
    let items = [(Swatch::Box(COLORS[0]), get(0)), (Swatch::Box(LIGHT), get(1)), (Swatch::Dot(GREY), get(2))];
    let top = legend(c, r, &items)?;
    let n = cl.states.len().max(1) as i32;
    for (i, (label, state)) in cl.states.iter().enumerate() {
        let i = i as i32;
        let cell = match variant {
            Variant::Wide => {
                let cw = (r.x1 - r.x0) / n;
                Rect { x0: r.x0 + i * cw, y0: r.y0 + top, x1: r.x0 + (i + 1) * cw - 14, y1: r.y1 }
            }
            Variant::Narrow => {
                let ch = (r.y1 - r.y0 - top) / n;
                Rect { x0: r.x0, y0: r.y0 + top + i * ch, x1: r.x1, y1: r.y0 + top + (i + 1) * ch - 14 }
            }
        };
        let h = c.para(label.get(c.lang), (cell.x0, cell.y0), c.px, cell.x1 - cell.x0, RGBColor(30, 30, 30))?;
        state_at(c, Rect { y0: cell.y0 + h + 8, ..cell }, state, &get)?;
    }
    Ok(())
}

fn state_at<DB: DrawingBackend>(c: &Ctx<DB>, r: Rect, s: &ClusterState, word: &dyn Fn(usize) -> String) -> R {
    let ink = RGBColor(30, 30, 30);
    let px = c.px - 2;
    let width = r.x1 - r.x0;
    let (pw, gw) = (width * 14 / 100, width * 24 / 100);
    let bx0 = r.x0 + pw + 14;
    let bw = (width - pw - gw - 28) / s.brokers.len().max(1) as i32;
    // Producers, on the left.
    let mid = (r.y0 + r.y1) / 2;
    for i in 0..s.producers {
        let y = mid - (s.producers as i32 * (px + 16)) / 2 + i as i32 * (px + 16);
        c.rect(Rect { x0: r.x0, y0: y, x1: r.x0 + pw, y1: y + px + 10 }, ink, false)?;
        c.text(
            &format!("producer {}", i + 1),
            (r.x0 + pw / 2, y + (px + 10) / 2),
            px - 1,
            ink,
            HPos::Center,
            VPos::Center,
        )?;
    }
    c.line(vec![(r.x0 + pw + 2, mid), (bx0 - 2, mid)], ink, 2)?;
    // Brokers with their replicas.
    for b in &s.brokers {
        let x0 = bx0 + b.id as i32 * bw;
        let bx = Rect { x0, y0: r.y0, x1: x0 + bw - 8, y1: r.y1 };
        c.rect(bx, if b.alive { RGBColor(250, 250, 250) } else { DEAD }, true)?;
        c.rect(bx, if b.alive { ink } else { GREY }, false)?;
        let mut head = format!("{} {}", word(3), b.id);
        if !b.alive {
            head = format!("{head}: {}", word(5));
        }
        let mut y = r.y0 + 4 + c.para(&head, (x0 + 4, r.y0 + 4), px, bw - 14, ink)?;
        if s.controller == Some(b.id) {
            y += c.para(&word(4), (x0 + 4, y), px - 2, bw - 14, COLORS[3])?;
        }
        y += 4;
        for p in s.partitions.iter().filter(|p| p.replicas.contains(&b.id)) {
            let chip = Rect { x0: x0 + 6, y0: y, x1: x0 + bw - 14, y1: y + px + 6 };
            let leader = p.leader == Some(b.id);
            let in_isr = p.isr.contains(&b.id);
            let (fill, text) = match (b.alive, leader, in_isr) {
                (false, _, _) => (DEAD, GREY),
                (true, true, _) => (COLORS[0], WHITE),
                (true, false, true) => (LIGHT, ink),
                (true, false, false) => (WHITE, GREY),
            };
            c.rect(chip, fill, true)?;
            c.rect(chip, if b.alive && (leader || in_isr) { COLORS[0] } else { GREY }, false)?;
            c.text(
                &format!("P{}", p.id),
                ((chip.x0 + chip.x1) / 2, (chip.y0 + chip.y1) / 2),
                px - 1,
                text,
                HPos::Center,
                VPos::Center,
            )?;
            y += px + 10;
        }
    }
    // The consumer group, on the right.
    let gx0 = r.x1 - gw;
    c.line(vec![(gx0 - 16, mid), (gx0 - 2, mid)], ink, 2)?;
    let mut y = r.y0 + c.para(&word(6), (gx0, r.y0), px, gw, ink)? + 4;
    for m in &s.group.members {
        let parts: Vec<String> = m.assigned.iter().map(|p| format!("P{p}")).collect();
        let color = if m.alive { ink } else { GREY };
        let head = if m.alive { m.name.clone() } else { format!("{}: {}", m.name, word(5)) };
        let h1 = c.para(&head, (gx0 + 4, y + 3), px - 1, gw - 8, color)?;
        let h2 = c.para(&parts.join(" "), (gx0 + 4, y + 3 + h1), px - 1, gw - 8, COLORS[0])?;
        c.rect(Rect { x0: gx0, y0: y, x1: r.x1, y1: y + h1 + h2 + 6 }, color, false)?;
        y += h1 + h2 + 12;
    }
    Ok(())
}
