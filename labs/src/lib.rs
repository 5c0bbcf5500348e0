//! streamlab's labs: one module per lecture section, the scenarios they run, and their charts.
#![forbid(unsafe_code)]

pub mod scenarios;
