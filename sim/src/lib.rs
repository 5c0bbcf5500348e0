//! streamlab's simulator: a deterministic discrete-event model of Kafka producers, brokers and consumer
//! groups. No I/O: scenarios come in as text, results go out as data.
#![forbid(unsafe_code)]

pub mod budget;
pub mod cluster_state;
pub mod dist;
pub mod engine;
pub mod hash;
pub mod interval_set;
pub mod kafka;
pub mod ledger;
pub mod metrics;
pub mod network;
pub mod queue;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sorted_map;
pub mod stats;
pub mod time;
pub mod torture;
pub mod workload;
pub mod world;

pub use scenario::{Scenario, ScenarioError};
pub use time::SimTime;
pub use world::{SimError, World};

// The book's Rust code blocks compile and run against this crate (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../book/en/src/kafka.md")]
pub struct BookEnKafka;

#[cfg(doctest)]
#[doc = include_str!("../../book/kk/src/kafka.md")]
pub struct BookKkKafka;
