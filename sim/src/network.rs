//! The simulated network: one delay draw per message, latency spikes, and per-link FIFO order.

use crate::dist::Sampler;
use crate::kafka::ids::{BrokerId, ConsumerId, EngineId, MemberId, ProducerId};
use crate::rng::SimRng;
use crate::scenario::SpikeScope;
use crate::time::SimTime;

/// An endpoint of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Producer(ProducerId),
    Broker(BrokerId),
    Member(MemberId),
    Engine(EngineId),
}

impl From<ConsumerId> for Node {
    fn from(c: ConsumerId) -> Node {
        match c {
            ConsumerId::Member(m) => Node::Member(m),
            ConsumerId::Engine(e) => Node::Engine(e),
        }
    }
}

/// A window of extra delay (a `network_spike` fault).
struct Spike {
    start: SimTime,
    end: SimTime,
    extra: SimTime,
    scope: SpikeScope,
}

pub struct Network {
    delay: Sampler,
    rng: SimRng,
    /// Each engine's messages draw their delays from a stream of its own: adding an engine to a run, or
    /// changing how one reads, changes nothing the other clients and engines see.
    engine_rngs: Vec<SimRng>,
    producers: u32,
    brokers: u32,
    members: u32,
    /// The latest delivery time on each link, `links[from][to]` by node number (grown on first use).
    links: Vec<Vec<SimTime>>,
    spikes: Vec<Spike>,
}

impl Network {
    /// A network of producers, brokers and group members (as many as `nodes` says), whose messages draw
    /// their delays from `rng`, and of engines, engine `e`'s messages drawing from `engine_rngs[e]`.
    pub fn new(delay: Sampler, rng: SimRng, engine_rngs: Vec<SimRng>, nodes: (u32, u32, u32)) -> Self {
        let (producers, brokers, members) = nodes;
        Network { delay, rng, engine_rngs, producers, brokers, members, links: Vec::new(), spikes: Vec::new() }
    }

    /// Node numbers: producers first, then brokers, then group members, then engines.
    fn number(&self, node: Node) -> u32 {
        match node {
            Node::Producer(p) => p.0,
            Node::Broker(b) => self.producers + b.0,
            Node::Member(m) => self.producers + self.brokers + m.0,
            Node::Engine(e) => self.producers + self.brokers + self.members + e.0,
        }
    }

    /// When a message sent at `now` from `from` reaches `to`: one delay draw, plus any spike, and never
    /// before the previous message on the same link (TCP keeps order).
    pub fn deliver(&mut self, now: SimTime, from: Node, to: Node) -> SimTime {
        let rng = match (from, to) {
            (Node::Engine(e), _) | (_, Node::Engine(e)) => &mut self.engine_rngs[e.0 as usize],
            _ => &mut self.rng,
        };
        let mut t = now + self.delay.sample(rng);
        let replication = matches!((from, to), (Node::Broker(_), Node::Broker(_)));
        for s in &self.spikes {
            if s.start <= now && now < s.end && (s.scope == SpikeScope::All || replication) {
                t += s.extra;
            }
        }
        let (from, to) = (self.number(from) as usize, self.number(to) as usize);
        if self.links.len() <= from {
            self.links.resize_with(from + 1, Vec::new);
        }
        let row = &mut self.links[from];
        if row.len() <= to {
            row.resize(to + 1, SimTime::ZERO);
        }
        let last = &mut row[to];
        t = t.max(*last);
        *last = t;
        t
    }

    /// One request-response exchange's duration, without a link's ordering (the group protocol's rounds).
    pub fn round_trip(&mut self) -> SimTime {
        self.delay.sample(&mut self.rng) + self.delay.sample(&mut self.rng)
    }

    /// Adds `extra` to every message sent in [start, end) within `scope`.
    pub fn add_spike(&mut self, start: SimTime, end: SimTime, extra: SimTime, scope: SpikeScope) {
        self.spikes.push(Spike { start, end, extra, scope });
    }
}
