//! The inputs of every check and what the grader expects back, computed here, in the grader's process,
//! from the simulator's own rules. Only the inputs ever reach the student's process.

use rand::RngExt;
use streamlab_sim::engine::EventTime;
use streamlab_sim::engine::window::{WindowSpec, window_start};
use streamlab_sim::kafka::assignor::{self, Assignment, Strategy};
use streamlab_sim::kafka::broker::{ProducerState, SeqCheck};
use streamlab_sim::kafka::ids::Offset;
use streamlab_sim::kafka::partitioner::{murmur2, partition_for_key};
use streamlab_sim::rng::SimRng;
use streamlab_sim::time::SimTime;

/// One input line for the harness and how to judge the line it prints back.
pub struct Case {
    /// The call as a student would write it, for messages.
    pub call: String,
    pub input: String,
    pub want: Want,
}

/// A rule about an answer: `Err` says what is wrong with it.
pub type Rule = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

pub enum Want {
    /// The answer, as the harness prints it.
    Exact(String),
    Rule(Rule),
}

impl Case {
    fn exact(call: String, input: String, want: impl ToString) -> Case {
        Case { call, input, want: Want::Exact(want.to_string()) }
    }

    /// The same call as a control: any answer but `not` passes. A check keeps one, so that an answer that
    /// ignores its input (one verdict for every call) does not pass it.
    fn other_than(self, not: impl ToString) -> Case {
        let not = not.to_string();
        let want = rule(move |got| {
            if got == not { Err(format!("gave {got} here too: the answer must depend on the input")) } else { Ok(()) }
        });
        Case { want, ..self }
    }
}

fn hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_key(r: &mut SimRng) -> String {
    let len = r.random_range(1..24);
    (0..len).map(|_| char::from(r.random_range(b'a'..=b'z'))).collect()
}

fn murmur2_case(key: &[u8]) -> Case {
    let call = format!("murmur2(b{:?})", String::from_utf8_lossy(key));
    Case::exact(call, format!("murmur2 {}", hex(key)), murmur2(key))
}

fn partition_case(key: &str, partitions: u32) -> Case {
    let input = format!("partition {} {partitions}", hex(key.as_bytes()));
    Case::exact(format!("partition(b{key:?}, {partitions})"), input, partition_for_key(key.as_bytes(), partitions))
}

pub fn partitioner(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    Some(match check {
        "kafka_test_vectors" => {
            // Kafka's UtilsTest.testMurmur2, then random keys.
            let mut keys: Vec<Vec<u8>> = ["21", "foobar", "a-little-bit-long-string", "a-little-bit-longer-string"]
                .iter()
                .map(|k| k.as_bytes().to_vec())
                .collect();
            keys.extend((0..50).map(|_| random_key(r).into_bytes()));
            keys.iter().map(|k| murmur2_case(k)).collect()
        }
        "keys_go_where_kafka_sends_them" => {
            (0..200).map(|_| partition_case(&random_key(r), r.random_range(1..100))).collect()
        }
        "negative_hashes_use_to_positive_not_abs" => {
            // Keys whose hash is negative, where toPositive and abs() disagree.
            let mut cases = vec![partition_case("21", 1000)];
            while cases.len() < 20 {
                let key = random_key(r);
                if murmur2(key.as_bytes()) < 0 {
                    cases.push(partition_case(&key, r.random_range(100..1000)));
                }
            }
            cases
        }
        _ => return None,
    })
}

fn assign_case(members: &[String], partitions: u32) -> Case {
    let topics = [("t".to_string(), partitions)].into();
    let a = assignor::assign(Strategy::Range, members, &topics, &Assignment::new());
    let want: Vec<String> =
        a.iter().map(|(m, ps)| format!("{m}:{:?}", ps.iter().map(|p| p.partition).collect::<Vec<_>>())).collect();
    // Given in reverse order: the assignor must sort the members itself.
    let given: Vec<&str> = members.iter().rev().map(String::as_str).collect();
    Case::exact(
        format!("assign(&{given:?}, {partitions})"),
        format!("{} {partitions}", given.join(",")),
        want.join(" "),
    )
}

pub fn range_assignor(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    let group = |r: &mut SimRng, count| -> Vec<String> {
        let set: std::collections::BTreeSet<String> =
            (0..count).map(|_| format!("m{}", r.random_range(0..100))).collect();
        set.into_iter().collect()
    };
    let names = |ns: &[&str]| ns.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Some(match check {
        // RangeAssignor's javadoc: two consumers, three partitions.
        "kafka_examples" => vec![assign_case(&names(&["C0", "C1"]), 3), assign_case(&names(&["c1", "c2", "c3"]), 3)],
        "more_members_than_partitions_leaves_some_idle" => {
            let mut cases = vec![assign_case(&names(&["a", "b", "c"]), 2)];
            for _ in 0..10 {
                let count = r.random_range(3..8);
                let members = group(r, count);
                let parts = r.random_range(0..members.len() as u32);
                cases.push(assign_case(&members, parts));
            }
            cases
        }
        "random_groups_match_kafka" => (0..50)
            .map(|_| {
                let count = r.random_range(1..8);
                let members = group(r, count);
                assign_case(&members, r.random_range(0..30))
            })
            .collect(),
        _ => return None,
    })
}

fn tumbling_case(ts: i64, size: i64, offset: i64) -> Case {
    // TimeWindow.getWindowStartWithOffset, in milliseconds as Flink counts them.
    let want =
        window_start(EventTime::from_ms(ts), EventTime::from_ms(offset), SimTime::from_millis(size as u64)).as_ms();
    Case::exact(format!("tumbling_start({ts}, {size}, {offset})"), format!("tumbling {ts} {size} {offset}"), want)
}

fn sliding_case(ts: i64, size: i64, slide: i64) -> Case {
    let w = WindowSpec::Sliding { size_ms: size as u64, slide_ms: slide as u64 }.assign(EventTime::from_ms(ts));
    let want: Vec<(i64, i64)> = w.iter().map(|w| (w.start.as_ms(), w.end.as_ms())).collect();
    Case::exact(
        format!("sliding_windows({ts}, {size}, {slide})"),
        format!("sliding {ts} {size} {slide}"),
        format!("{want:?}"),
    )
}

pub fn window_assigner(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    Some(match check {
        // Flink's TumblingEventTimeWindowsTest, then random ones.
        "tumbling_windows_like_flink" => {
            let mut cases: Vec<Case> =
                [(0, 5000, 0), (4999, 5000, 0), (5000, 5000, 0), (100, 5000, 100), (5099, 5000, 100)]
                    .iter()
                    .map(|&(t, s, o)| tumbling_case(t, s, o))
                    .collect();
            for _ in 0..30 {
                let size = r.random_range(1..20) * 500;
                let offset = r.random_range(0..size);
                cases.push(tumbling_case(offset + r.random_range(0..500_000), size, offset));
            }
            cases
        }
        "timestamps_before_the_offset" => {
            let mut cases = vec![tumbling_case(-1, 5000, 0), tumbling_case(50, 5000, 100)];
            for _ in 0..20 {
                let size = r.random_range(1..20) * 500;
                let offset = r.random_range(0..size);
                cases.push(tumbling_case(offset - r.random_range(1..50_000), size, offset));
            }
            cases
        }
        "sliding_windows_like_flink" => {
            let mut cases = vec![sliding_case(0, 5000, 1000), sliding_case(4999, 5000, 1000)];
            for _ in 0..40 {
                let slide = r.random_range(1..20) * 100;
                cases.push(sliding_case(r.random_range(0..500_000), slide * r.random_range(1..6), slide));
            }
            cases
        }
        _ => return None,
    })
}

/// BoundedOutOfOrdernessWatermarks: maxTimestamp - outOfOrdernessMillis - 1, with the maximum starting at
/// Long.MIN_VALUE + outOfOrdernessMillis + 1.
fn watermarks(delay: i64, events: &[i64]) -> Vec<i64> {
    let mut max = i64::MIN + delay + 1;
    events
        .iter()
        .map(|&e| {
            max = max.max(e);
            max - delay - 1
        })
        .collect()
}

fn list(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

pub fn watermark(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    let call = |delay: i64, events: &[i64]| format!("new({delay}), then on_event for each of {events:?}");
    Some(match check {
        "watermark_is_max_timestamp_minus_delay_minus_one" => {
            let mut runs = vec![(2000, vec![1000, 12000])];
            runs.extend((0..40).map(|_| {
                (r.random_range(0..5000), (0..r.random_range(1..10)).map(|_| r.random_range(0..100_000)).collect())
            }));
            runs.into_iter()
                .map(|(d, e)| {
                    let want = *watermarks(d, &e).last().expect("events");
                    Case::exact(call(d, &e), format!("final {d} {}", list(&e)), want)
                })
                .collect()
        }
        "late_events_never_move_the_watermark_back" => {
            let mut runs = vec![(500, vec![10_000, 3_000])];
            runs.extend((0..20).map(|_| {
                let top = r.random_range(10_000..100_000);
                (r.random_range(0..5000), vec![top, top - r.random_range(1..9000), top + r.random_range(0..100)])
            }));
            runs.into_iter()
                .map(|(d, e)| {
                    let want = watermarks(d, &e).iter().map(i64::to_string).collect::<Vec<_>>().join(" ");
                    Case::exact(call(d, &e) + ", the watermark after each", format!("each {d} {}", list(&e)), want)
                })
                .collect()
        }
        "before_any_event_the_watermark_is_the_minimum" => [2000, 0, r.random_range(1..5000)]
            .iter()
            .map(|&d| Case::exact(format!("new({d}).current_watermark()"), format!("initial {d}"), i64::MIN))
            .collect(),
        _ => return None,
    })
}

/// A stream like datasets/bank_transactions.csv: normal card payments and, rarely, a stolen card's burst
/// of 4 large payments 700 ms apart. Returns (ts, account, amount, fraud burst number).
fn payments(r: &mut SimRng) -> Vec<(u64, u32, f64, Option<u32>)> {
    let mut out = Vec::new();
    let (mut t, mut bursts) = (0u64, 0);
    while out.len() < 3000 {
        t += r.random_range(10..2000);
        let account = r.random_range(0..400);
        if r.random_range(0..300) == 0 || (bursts == 0 && out.len() > 1500) {
            for k in 0..4 {
                out.push((t + k * 700, account, (r.random_range(90_000..500_000) as f64) / 100.0, Some(bursts)));
            }
            bursts += 1;
            t += 3000;
        } else {
            out.push((t, account, (r.random_range(100..20_000) as f64) / 100.0, None));
        }
    }
    out
}

fn stream_case(call: &str, items: impl Iterator<Item = String>, rule: Want) -> Case {
    Case { call: call.to_string(), input: items.collect::<Vec<_>>().join(";"), want: rule }
}

fn rule(f: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static) -> Want {
    Want::Rule(Box::new(f))
}

fn flag(got: &str, i: usize) -> bool {
    got.as_bytes().get(i) == Some(&b'1')
}

/// A detector blind to its input passes no check of a stream: one that flags most normal `items` catches
/// every attack, and one that flags none of the attacks' raises no false alarm, and either detects nothing.
/// `normal` and `attacks` are the items' places in the stream.
fn blind(got: &str, normal: &[usize], attacks: &[usize], items: &str) -> Result<(), String> {
    let alarms = normal.iter().filter(|&&i| flag(got, i)).count();
    if alarms * 2 > normal.len() {
        return Err(format!(
            "your code flagged {alarms} of {} normal {items}: a rule that flags most {items} detects nothing",
            normal.len()
        ));
    }
    if !attacks.iter().any(|&i| flag(got, i)) {
        return Err(format!("your code flagged none of the attacks' {items}: a rule that never fires detects nothing"));
    }
    Ok(())
}

pub fn fraud_rule(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    let ps = payments(r);
    let (normal, bursts): (Vec<usize>, Vec<usize>) = (0..ps.len()).partition(|&i| ps[i].3.is_none());
    let items = || ps.iter().map(|(t, a, m, _)| format!("{t},{a},{m}"));
    let call = format!("on_payment over a stream of {} payments", ps.len());
    Some(match check {
        "flags_every_stolen_card_burst" => {
            let ps = ps.clone();
            vec![stream_case(
                &call,
                items(),
                rule(move |got| {
                    blind(got, &normal, &bursts, "payments")?;
                    // The third large payment of a burst is the first that makes 3 within 5 s.
                    let mut seen = std::collections::BTreeMap::new();
                    for (i, (t, a, m, burst)) in ps.iter().enumerate() {
                        if let Some(b) = burst {
                            let n = seen.entry(*b).or_insert(0);
                            *n += 1;
                            if *n == 3 && !flag(got, i) {
                                return Err(format!(
                                    "the third large payment of account {a} at {t} ms ({m}) must be flagged; your code did not flag it"
                                ));
                            }
                        }
                    }
                    Ok(())
                }),
            )]
        }
        "no_false_alarms_on_normal_payments" => {
            let ps = ps.clone();
            vec![stream_case(
                &call,
                items(),
                rule(move |got| match ps.iter().enumerate().find(|(i, p)| p.3.is_none() && flag(got, *i)) {
                    Some((_, (t, a, m, _))) => {
                        Err(format!("account {a} at {t} ms ({m}) is a normal payment; your code flagged it"))
                    }
                    None if got.len() != ps.len() => Err(format!("{} flags for {} payments", got.len(), ps.len())),
                    None => blind(got, &normal, &bursts, "payments"),
                }),
            )]
        }
        // With the control: a third large payment within 5 s is flagged (never flagging passes no check).
        "two_large_payments_are_not_enough" => [
            (vec![(0, 1, 1000.0), (100, 1, 1000.0), (200, 2, 1000.0), (6000, 1, 1000.0)], "0000"),
            (vec![(0, 7, 1000.0), (100, 7, 1000.0), (200, 7, 1000.0)], "001"),
        ]
        .into_iter()
        .map(|(seq, want)| {
            let call = format!("on_payment for each of (ts, account, amount) {seq:?}");
            Case::exact(call, seq.iter().map(|(t, a, m)| format!("{t},{a},{m}")).collect::<Vec<_>>().join(";"), want)
        })
        .collect(),
        _ => return None,
    })
}

fn lag_case(ends: &[u64], committed: &[Option<u64>]) -> Case {
    // kafka-consumer-groups: LAG = LOG-END-OFFSET - CURRENT-OFFSET, never negative; no commit reads from 0.
    let want: u64 = ends.iter().zip(committed).map(|(&e, c)| e.saturating_sub(c.unwrap_or(0))).sum();
    let c: Vec<String> = committed.iter().map(|c| c.map_or("-".into(), |c| c.to_string())).collect();
    let e: Vec<String> = ends.iter().map(u64::to_string).collect();
    Case::exact(format!("lag(&{ends:?}, &{committed:?})"), format!("{} {}", e.join(","), c.join(",")), want)
}

pub fn consumer_lag(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    let (fixed, none_every, past_end) = match check {
        "lag_is_log_end_minus_committed_summed_over_partitions" => {
            (lag_case(&[100, 50, 0], &[Some(90), Some(50), Some(0)]), 0, 0)
        }
        "a_partition_without_a_committed_offset_counts_whole" => (lag_case(&[40, 60], &[None, Some(60)]), 3, 0),
        "a_commit_past_the_log_end_is_not_negative_lag" => (lag_case(&[10, 20], &[Some(15), Some(5)]), 0, 50),
        _ => return None,
    };
    let mut cases = vec![fixed];
    for _ in 0..40 {
        let ends: Vec<u64> = (0..r.random_range(1..8)).map(|_| r.random_range(0..10_000)).collect();
        let committed: Vec<Option<u64>> = ends
            .iter()
            .map(|&e| (none_every == 0 || r.random_range(0..none_every) > 0).then(|| r.random_range(0..=e + past_end)))
            .collect();
        cases.push(lag_case(&ends, &committed));
    }
    Some(cases)
}

fn planner_case(trigger: u64, last_trigger: u64, last_end: u64) -> Case {
    // ProcessingTimeExecutor: wait for nextBatchTime(last trigger) unless the batch ran past it; the
    // default trigger (0) starts the next batch as soon as the last one ends.
    let want = match last_trigger.checked_div(trigger) {
        None => last_end,
        Some(ticks) => ((ticks + 1) * trigger).max(last_end),
    };
    let call = format!("next_batch_start({trigger}, {last_trigger}, {last_end})");
    Case::exact(call, format!("{trigger} {last_trigger} {last_end}"), want)
}

pub fn microbatch_planner(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    let (mut cases, overrun) = match check {
        // After an overrun the next batch started when the last one ended, off the grid (4700): Spark
        // goes back to the grid (5000), not one interval later (5700).
        "batches_start_on_interval_ticks" => {
            (vec![planner_case(1000, 3000, 3200), planner_case(500, 0, 120), planner_case(1000, 4700, 4900)], false)
        }
        // The control: a batch on time waits for the tick, so "the last batch's end" is not always right.
        "a_batch_that_overruns_makes_the_next_start_at_once" => (
            vec![
                planner_case(1000, 3000, 4700),
                planner_case(1000, 4700, 5300),
                planner_case(1000, 3000, 3200).other_than(3200),
            ],
            true,
        ),
        "the_default_trigger_runs_back_to_back" => {
            let mut cases = vec![planner_case(0, 3000, 3170), planner_case(1000, 3000, 3200).other_than(3200)];
            cases.extend((0..10).map(|_| {
                let last = r.random_range(0..100_000);
                planner_case(0, last, last + r.random_range(0..5000))
            }));
            return Some(cases);
        }
        _ => return None,
    };
    for _ in 0..40 {
        let trigger = [250u64, 500, 1000, 2000][r.random_range(0..4)];
        // Half the triggers off the grid, as after an overrun.
        let off_grid = if r.random_bool(0.5) { r.random_range(1..trigger) } else { 0 };
        let last_trigger = trigger * r.random_range(0..100) + off_grid;
        // On time: the batch ends before the next tick; overrun: after it.
        let to_tick = trigger - off_grid;
        let run = if overrun { r.random_range(to_tick + 1..to_tick + 2 * trigger) } else { r.random_range(0..to_tick) };
        cases.push(planner_case(trigger, last_trigger, last_trigger + run));
    }
    Some(cases)
}

fn dedup_case(recent: &[(u32, u32)], base: u32) -> Case {
    // The simulator's broker decides, as Kafka's ProducerStateManager does.
    let mut state = ProducerState::default();
    for &(first, last) in recent {
        state.appended(0, first, last - first + 1, Offset(0));
    }
    // A retry resends the same batch: the same length as the recent batch it repeats.
    let len = recent.iter().find(|b| b.0 == base).map_or(1, |b| b.1 - b.0 + 1);
    let want = match state.check(0, base, len) {
        SeqCheck::Append => "Append",
        SeqCheck::Duplicate { .. } => "Duplicate",
        SeqCheck::OutOfOrder | SeqCheck::StaleEpoch => "OutOfOrder",
    };
    let list: Vec<String> = recent.iter().map(|(f, l)| format!("{f}-{l}")).collect();
    let list = if list.is_empty() { "-".to_string() } else { list.join(",") };
    Case::exact(format!("check(&{recent:?}, {base})"), format!("{list} {base}"), want)
}

pub fn idempotent_dedup(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    // Each check with a control of another verdict: one verdict for every batch passes none of them.
    let fixed: Vec<Case> = match check {
        "the_next_sequence_is_appended" => vec![
            dedup_case(&[], 0),
            dedup_case(&[(0, 9), (10, 19)], 20),
            dedup_case(&[(0, 9), (10, 19)], 10).other_than("Append"),
        ],
        "a_retried_batch_is_a_duplicate" => vec![
            dedup_case(&[(0, 9), (10, 19)], 10),
            dedup_case(&[(0, 9), (10, 19)], 0),
            dedup_case(&[(0, 9), (10, 19)], 20).other_than("Duplicate"),
        ],
        "a_gap_is_out_of_order" => vec![
            dedup_case(&[(0, 9)], 15),
            dedup_case(&[(0, 9)], 5),
            dedup_case(&[(0, 9)], 10).other_than("OutOfOrder"),
        ],
        _ => return None,
    };
    let random = (0..30).map(|_| {
        let mut recent = Vec::new();
        let mut seq = r.random_range(0..1000u32);
        for _ in 0..r.random_range(1..6) {
            let n = r.random_range(1..20);
            recent.push((seq, seq + n - 1));
            seq += n;
        }
        let base = match check {
            "the_next_sequence_is_appended" => seq,
            "a_retried_batch_is_a_duplicate" => recent[r.random_range(0..recent.len())].0,
            // Past the end, or inside a batch without being its start.
            _ if r.random_range(0..2) == 0 => seq + r.random_range(1..10),
            _ => recent.iter().find(|(f, l)| l > f).map_or(seq + 1, |(f, _)| f + 1),
        };
        dedup_case(&recent, base)
    });
    Some(fixed.into_iter().chain(random).collect())
}

/// A stream like datasets/network_flows.csv: normal flows, port scans (one source, 5 ports within 5 ms,
/// tiny flows) and floods. Returns (ts, src, port, bytes, label).
fn flows(r: &mut SimRng) -> Vec<(u64, String, u32, u64, &'static str)> {
    let mut out = Vec::new();
    let mut t = 0u64;
    for i in 0..2500 {
        t += r.random_range(1..100);
        let roll = r.random_range(0..100);
        if roll < 2 || i == 1000 {
            let src = r.random_range(200..210);
            out.extend((0..5).map(|k| (t + k, format!("10.0.0.{src}"), r.random_range(1..65535), 60, "scan")));
        } else if roll < 3 || i == 1001 {
            out.push((t, format!("10.0.0.{}", r.random_range(220..230)), 80, r.random_range(50_000..90_000), "flood"));
        } else {
            let port = [80, 443, 443, 22, 53][r.random_range(0..5)];
            out.push((t, format!("10.0.1.{}", r.random_range(1..200)), port, r.random_range(400..20_000), "normal"));
        }
    }
    out
}

pub fn attack_rule(check: &str, r: &mut SimRng) -> Option<Vec<Case>> {
    const CHECKS: [&str; 3] =
        ["floods_are_flagged", "port_scans_are_flagged_by_their_fifth_port", "normal_traffic_raises_no_alarm"];
    if !CHECKS.contains(&check) {
        return None;
    }
    let fs = flows(r);
    let input = fs.iter().map(|(t, s, p, b, _)| format!("{t},{s},{p},{b}")).collect::<Vec<_>>();
    let call = format!("on_flow over a stream of {} flows", fs.len());
    let check = check.to_string();
    let judge = move |got: &str| -> Result<(), String> {
        if got.len() != fs.len() {
            return Err(format!("{} flags for {} flows", got.len(), fs.len()));
        }
        let labelled = |l: &'static str| fs.iter().enumerate().filter(move |(_, f)| f.4 == l);
        let (normal, attacks): (Vec<usize>, Vec<usize>) = (0..fs.len()).partition(|&i| fs[i].4 == "normal");
        blind(got, &normal, &attacks, "flows")?;
        match check.as_str() {
            "floods_are_flagged" => match labelled("flood").find(|(i, _)| !flag(got, *i)) {
                Some((_, (t, s, _, b, _))) => Err(format!("the flood of {b} bytes from {s} at {t} ms must be flagged")),
                None => Ok(()),
            },
            "port_scans_are_flagged_by_their_fifth_port" => {
                let (scans, flagged) =
                    (labelled("scan").count(), labelled("scan").filter(|(i, _)| flag(got, *i)).count());
                if flagged * 5 >= scans {
                    Ok(())
                } else {
                    Err(format!("{flagged} scan flows flagged of {scans}: each scan reaches 5 ports"))
                }
            }
            _ => match labelled("normal").find(|(i, _)| flag(got, *i)) {
                Some((_, (t, s, p, _, _))) => {
                    Err(format!("the normal flow from {s} to port {p} at {t} ms was flagged"))
                }
                None => Ok(()),
            },
        }
    };
    Some(vec![Case { call, input: input.join(";"), want: rule(judge) }])
}
