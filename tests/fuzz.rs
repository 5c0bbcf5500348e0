//! Property tests with hostile inputs: mutated scenarios, broken traces and wild flags, against the library
//! entry points and the command. Whatever comes in, the answer is a run that ends within its estimate or an
//! error naming the key, line or flag: never a panic, a hang or runaway memory.
//!
//! CI runs a fixed seed and a fixed number of cases (about a minute in all); a longer run:
//! `PROPTEST_CASES=5000 PROPTEST_RNG_SEED=7 cargo test --release --test fuzz`.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use std::process::Command;
use streamlab_labs::scenarios::BUILTIN;
use streamlab_sim::budget;
use streamlab_sim::engine::replay::{ReplaySettings, parse_trace, replay};
use streamlab_sim::engine::spark::OutputMode;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, ScenarioError, SimError, World};
use toml::{Table, Value};

/// CI's budget: a fixed seed, `cases` cases; PROPTEST_CASES and PROPTEST_RNG_SEED override both.
fn config(cases: u32) -> Config {
    let mut c = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(14);
    }
    c.failure_persistence = None;
    c
}

/// Runs are kept small so that many fit in the budget; mutations may undo it, and are then refused by the
/// work estimate (run.max_events below) or run within it.
const FUZZ_MAX_EVENTS: i64 = 400_000;

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every leaf of a document, as a path of keys and indexes, with its value.
fn leaves(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, Value)>) {
    match v {
        Value::Table(t) => t.iter().for_each(|(k, v)| {
            path.push(Seg::Key(k.clone()));
            leaves(v, path, out);
            path.pop();
        }),
        Value::Array(a) if a.iter().any(|v| v.is_table()) => a.iter().enumerate().for_each(|(i, v)| {
            path.push(Seg::Index(i));
            leaves(v, path, out);
            path.pop();
        }),
        _ => out.push((path.clone(), v.clone())),
    }
}

/// Sets (or with `None` deletes) the value at `path`, creating the tables on the way.
fn set(doc: &mut Value, path: &[Seg], value: Option<Value>) {
    let Some((last, init)) = path.split_last() else { return };
    let mut v = doc;
    for seg in init {
        v = match (seg, v) {
            (Seg::Key(k), Value::Table(t)) => t.entry(k.clone()).or_insert_with(|| Value::Table(Table::new())),
            (Seg::Index(i), Value::Array(a)) => {
                if a.len() <= *i {
                    a.push(Value::Table(Table::new()));
                }
                let n = a.len() - 1;
                &mut a[(*i).min(n)]
            }
            (Seg::Index(_), slot) => {
                *slot = Value::Array(vec![Value::Table(Table::new())]);
                let Value::Array(a) = slot else { unreachable!() };
                &mut a[0]
            }
            (Seg::Key(_), _) => return,
        };
    }
    match (last, v, value) {
        (Seg::Key(k), Value::Table(t), Some(x)) => {
            t.insert(k.clone(), x);
        }
        (Seg::Key(k), Value::Table(t), None) => {
            t.remove(k);
        }
        (Seg::Index(i), Value::Array(a), Some(x)) if *i < a.len() => a[*i] = x,
        _ => {}
    }
}

/// Every key a scenario can have: the leaves of the built-ins and of a scenario with every section filled.
fn universe() -> &'static [(Vec<Seg>, Value)] {
    static KEYS: std::sync::OnceLock<Vec<(Vec<Seg>, Value)>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut full = Scenario::from_toml(
            "[pipeline]\n[[faults]]\nkind = \"broker_crash\"\nat_ms = 1\nbroker = 0\n\
         [[faults]]\nkind = \"network_spike\"\nat_ms = 1\nduration_ms = 2\nextra_ms = 3.0\n\
         [[faults]]\nkind = \"consumer_crash\"\nat_ms = 1\nmember = 0\n\
         [[faults]]\nkind = \"engine_failure\"\nat_ms = 1\nengine = \"flink\"",
        )
        .unwrap();
        full.producers[0].arrival = streamlab_sim::scenario::Arrival::Onoff { on_ms: 1, off_ms: 1 };
        let mut out = Vec::new();
        leaves(&Value::try_from(&full).unwrap(), &mut Vec::new(), &mut out);
        for (_, text) in BUILTIN {
            leaves(&Value::Table(text.parse::<Table>().unwrap()), &mut Vec::new(), &mut out);
        }
        out
    })
}

/// How one key is changed: deleted, given a hostile value of its own type (most often, to get past the
/// parser into validation and the run), or a value of any type.
#[derive(Clone, Debug)]
enum Mutation {
    Delete,
    SameType(prop::sample::Index, u64),
    AnyType(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => Just(Mutation::Delete),
        6 => (any::<prop::sample::Index>(), any::<u64>()).prop_map(|(i, raw)| Mutation::SameType(i, raw)),
        1 => any::<prop::sample::Index>().prop_map(Mutation::AnyType),
    ]
}

const INTS: &[i64] = &[0, 1, 2, 3, 7, 100, 1000, 60_000, 4_000_000_000, 1_000_000_000_000, 9_300_000_000_000, i64::MAX];
const FLOATS: &[f64] = &[0.0, -1.0, 1e-300, 0.5, 1.0, 3.0, 1e9, 1e300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
const WORDS: &[&str] = &[
    "",
    "x",
    "all",
    "1",
    "0",
    "pareto",
    "empirical",
    "normal",
    "lognormal",
    "uniform",
    "exponential",
    "constant",
    "sliding",
    "tumbling",
    "session",
    "none",
    "zipf",
    "onoff",
    "diurnal",
    "broker_restart",
    "consumer_restart",
    "broker_crash",
    "flink",
    "spark",
    "batch",
    "continuous",
    "complete",
    "update",
    "processing",
    "sticky",
];

/// The new value (None: delete) for a key whose value was `old`.
fn mutate(old: &Value, m: &Mutation) -> Option<Value> {
    let any = |i: &prop::sample::Index| match i.index(4) {
        0 => Value::Integer(*i.get(INTS)),
        1 => Value::Float(*i.get(FLOATS)),
        2 => Value::String(i.get(WORDS).to_string()),
        _ => Value::Array(vec![]),
    };
    match (m, old) {
        (Mutation::Delete, _) => None,
        (Mutation::AnyType(i), _) => Some(any(i)),
        // Small raw values are as hostile as the listed extremes: a count of 0, a period of 1 ms.
        (Mutation::SameType(i, raw), Value::Integer(_)) if raw % 3 == 0 => Some(Value::Integer((raw % 5000) as i64)),
        (Mutation::SameType(i, _), Value::Integer(_)) => Some(Value::Integer(*i.get(INTS))),
        (Mutation::SameType(i, raw), Value::Float(_)) if raw % 3 == 0 => {
            Some(Value::Float((raw % 1_000_000) as f64 / 100.0))
        }
        (Mutation::SameType(i, _), Value::Float(_)) => Some(Value::Float(*i.get(FLOATS))),
        (Mutation::SameType(i, _), Value::String(_)) => Some(Value::String(i.get(WORDS).to_string())),
        (Mutation::SameType(_, raw), Value::Boolean(b)) => Some(Value::Boolean(!b ^ (raw % 2 == 0))),
        (Mutation::SameType(i, raw), Value::Array(a)) => Some(Value::Array(match raw % 3 {
            0 => vec![],
            1 => a.iter().chain(a.iter()).cloned().collect(),
            _ => vec![Value::Float(*i.get(FLOATS))],
        })),
        (Mutation::SameType(i, _), _) => Some(any(i)),
    }
}

/// The top-level keys of a scenario: every error must name a key under one of them.
const SECTIONS: &[&str] = &[
    "name",
    "run",
    "cluster",
    "topic",
    "producers",
    "consumer_group",
    "faults",
    "pipeline",
    "engines",
    "flink",
    "spark",
    "batch",
];

fn check_scenario(text: &str) -> Result<(), TestCaseError> {
    let s = match Scenario::from_toml(text) {
        Err(ScenarioError::Parse(m)) => {
            prop_assert!(m.contains("line") || m.contains("no keys"), "a parse error without a line: {m}");
            return Ok(());
        }
        Err(ScenarioError::Invalid { key, problem }) => {
            let section = key.split(['.', '[']).next().unwrap_or_default();
            prop_assert!(SECTIONS.contains(&section), "error names no key of the scenario: `{key}`: {problem}");
            prop_assert!(!problem.is_empty());
            return Ok(());
        }
        Ok(s) => s,
    };
    let estimate = budget::estimate(&s);
    prop_assert!(estimate.events <= s.run.max_events as f64, "validation let through {estimate:?}");
    let mut world = World::new(&s);
    match world.run() {
        Ok(()) => {}
        Err(SimError::EventLimit(max, _)) => prop_assert_eq!(max, s.run.max_events),
        Err(e @ SimError::Unbalanced(_)) => prop_assert!(false, "the ledger does not balance: {e}"),
    }
    // Bounded time: the run stays within the order of magnitude of its estimate.
    let events = world.events_processed() as f64;
    prop_assert!(events <= 2.0 * estimate.events + 10_000.0, "{events} events, estimated {:.0}", estimate.events);
    // Bounded memory: no more records than estimated (Poisson draws may exceed the mean a little).
    let results = Results::of(&world);
    let produced = results.ledger.produced as f64;
    prop_assert!(produced <= estimate.records * 1.5 + 100.0, "{produced} records, estimated {:.0}", estimate.records);
    prop_assert!(results.to_json().starts_with('{'), "results.json is an object");
    Ok(())
}

proptest! {
    #![proptest_config(config(2000))]

    /// A built-in scenario, shortened, with one to three keys deleted or replaced by hostile values.
    #[test]
    fn hostile_scenarios_run_or_name_the_key(
        base in 0..BUILTIN.len(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4),
    ) {
        let (_, text) = BUILTIN[base];
        let mut doc = Value::Table(text.parse::<Table>().unwrap());
        let short = [("duration_ms", 300), ("drain_ms", 2_000), ("max_events", FUZZ_MAX_EVENTS)];
        for (key, v) in short {
            set(&mut doc, &[Seg::Key("run".into()), Seg::Key(key.into())], Some(Value::Integer(v)));
        }
        let keys = universe();
        for (index, m) in picks {
            let (path, old) = index.get(keys);
            set(&mut doc, path, mutate(old, &m));
        }
        let text = toml::to_string(&doc).unwrap();
        check_scenario(&text).map_err(|e| TestCaseError::fail(format!("{e}\n--- the scenario:\n{text}")))?;
    }
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0u64..5_000).prop_map(|n| n.to_string()),
        1 => (-5_000i64..0).prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec![
            "", " ", "x", "1.5", "-0", "1e3", "999999999999", "1000000000001", "9300000000000",
            "9223372036854775807", "-9223372036854775808", "18446744073709551616", "\u{feff}1",
        ]).prop_map(String::from),
    ]
}

/// A trace: mostly well-formed rows in arrival order (gaps of up to 3 s, events up to 10 s late or early,
/// and now and then a leap far into the future), with a broken row now and then.
fn trace() -> impl Strategy<Value = String> {
    let gap = prop_oneof![80 => 0u64..3_000, 1 => Just(1_000_000_000), 1 => Just(999_999_999_999)];
    let good = (gap, -10_000i64..10_000, 0..5u8, -100i64..100);
    let broken = prop::collection::vec(field(), 1..6).prop_map(|f| f.join(","));
    let row = prop_oneof![80 => good.prop_map(Ok), 1 => broken.prop_map(Err)];
    (prop::bool::weighted(0.95), prop::collection::vec(row, 0..30)).prop_map(|(header, rows)| {
        let mut text = if header { String::from("arrival_ms,event_ms,key,value\n") } else { String::new() };
        let mut arrival = 0u64;
        for r in rows {
            let line = match r {
                Ok((gap, skew, key, value)) => {
                    arrival += gap;
                    format!("{arrival},{},k{key},{value}", arrival as i64 + skew)
                }
                Err(line) => line,
            };
            text.push_str(&line);
            text.push('\n');
        }
        text
    })
}

fn window() -> impl Strategy<Value = WindowSpec> {
    let ms = prop_oneof![1 => Just(0u64), 8 => 1u64..20_000, 1 => Just(1_000_000_000_000)];
    prop_oneof![
        Just(WindowSpec::None),
        ms.clone().prop_map(|size_ms| WindowSpec::Tumbling { size_ms }),
        (ms.clone(), ms.clone()).prop_map(|(size_ms, slide_ms)| WindowSpec::Sliding { size_ms, slide_ms }),
        ms.prop_map(|gap_ms| WindowSpec::Session { gap_ms }),
    ]
}

proptest! {
    #![proptest_config(config(4000))]

    /// Traces with broken rows and far-off times, replayed with any window and delays the flags accept.
    #[test]
    fn hostile_traces_replay_or_name_the_line(
        text in trace(),
        window in window(),
        delays in prop::array::uniform4(prop_oneof![Just(0u64), 1u64..5_000, Just(1_000_000_000_000)]),
        engines in 1..4u8,
    ) {
        let rows = match parse_trace(&text) {
            Ok(rows) => rows,
            Err(e) => {
                let e = e.to_string();
                prop_assert!(e.contains("line") || e.contains("empty"), "{e}");
                return Ok(());
            }
        };
        if window.validate().is_err() {
            return Ok(());
        }
        let settings = ReplaySettings {
            flink: engines & 1 != 0,
            spark: engines & 2 != 0,
            window,
            watermark_delay_ms: delays[0],
            watermark_interval_ms: delays[1],
            trigger_ms: delays[2],
            allowed_lateness_ms: delays[3],
            output_mode: OutputMode::Append,
        };
        if budget::check_replay(&rows, &settings).is_err() {
            return Ok(());
        }
        let out = replay(&rows, &settings);
        let bound = 1 + 2 * rows.len() * (window.windows_per_element().ceil() as usize + 1);
        prop_assert!(out.lines().count() <= bound, "{} lines from {} rows", out.lines().count(), rows.len());
    }
}

fn streamlab(args: &[String]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_streamlab"))
        .args(args)
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .output()
        .expect("the command starts");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn flag_value() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..20).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "",
            "0",
            "-1",
            "c1,c1",
            "c1,,c2",
            ",",
            "t0:3,t1:3",
            "t0:0",
            "t0:4000000000",
            "t0:-1",
            ":3",
            "t0",
            "range",
            "roundrobin",
            "sticky",
            "random",
            "18446744073709551615",
            "18446744073709551616",
            "1e9",
            "tumbling:10s",
            "sliding:1d:1ms",
            "sliding:10s:0",
            "session:0",
            "tumbling:99999999999h",
            "10s",
            "1000000000000ms",
            "x",
            "ж",
        ])
        .prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(config(150))]

    /// `kafka`, `bench` and `replay` with wild flag values: exit 0 or 2, a message for 2, never a crash.
    #[test]
    fn hostile_flags_get_an_answer(
        command in 0..4usize,
        values in prop::collection::vec(flag_value(), 3),
    ) {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        let trace = dir.join("fuzz-trace.csv");
        std::fs::write(&trace, "arrival_ms,event_ms,key,value\n1,1,a,1\n5000,2,b,2\n").unwrap();
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let args = match command {
            0 => s(&["kafka", "assign", "--strategy", &values[0], "--members", &values[1], "--topics", &values[2]]),
            1 => s(&["kafka", "partition", "--partitions", &values[0], &values[1]]),
            2 => s(&["bench", "--records", &values[0]]),
            _ => s(&["replay", "--window", &values[0], "--watermark-delay", &values[1], "--trigger", &values[2],
                     &trace.to_string_lossy()]),
        };
        // A bench that would run is not the point here: only refusals are checked.
        if command == 2 && values[0].parse::<u64>().is_ok_and(|n| (1..=100_000_000).contains(&n)) {
            return Ok(());
        }
        let (code, stderr) = streamlab(&args);
        prop_assert!(code == 0 || code == 2, "{args:?}: exit {code}\n{stderr}");
        if code == 2 {
            prop_assert!(stderr.contains("error"), "{args:?}: {stderr}");
            prop_assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        }
    }
}
