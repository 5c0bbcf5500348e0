//! Lab `kafka` (lecture section 4): producers, brokers, topics, partitions and a consumer group at work.
//! The cluster is drawn from the simulator's state before and after a leader dies; one failure is run
//! under every acks and min.insync.replicas setting; a consumer crash is followed through the session
//! timeout and the rebalance; partitions bound how many consumers can work; linger.ms batches records.

use crate::chart::{Axis, BarGroup, Bars, Cluster, Figure, Lines, Mark, Plot, Series, Unit};
use crate::error::{LabError, Result};
use crate::lab::{LabReport, base, lab_base, run, varied, world};
use crate::text::Text;
use crate::{t, tl};
use serde_json::json;
use streamlab_sim::cluster_state::ClusterState;
use streamlab_sim::dist::DistSpec;
use streamlab_sim::report::Results;
use streamlab_sim::scenario::{Acks, Fault};
use streamlab_sim::{Scenario, SimTime, World};

/// The failure every loss run shares: broker-crash-acks-1's network spike and leader crash.
const FAILURE: &str = "broker-crash-acks-1";
/// The partition counts the parallelism sweep runs.
const PARTITIONS: [u32; 4] = [1, 2, 4, 8];
/// How often the lag run looks at the group to find when a rebalance starts and ends.
const WATCH_MS: u64 = 50;
/// When the lag run's consumer crashes.
const CRASH_MS: u64 = 8000;

/// Runs scenario `s`'s world `w` until `ms`.
fn step(s: &Scenario, w: &mut World, ms: u64) -> Result<()> {
    w.run_until(SimTime::from_millis(ms)).map_err(LabError::sim(s))
}

/// The cluster just before the broker crash and once the controller has moved its leaderships.
fn cluster_figure(s: &Scenario) -> Result<(Figure, ClusterState, ClusterState)> {
    let (crash_ms, broker) = s
        .faults
        .iter()
        .find_map(|f| if let Fault::BrokerCrash { at_ms, broker } = f { Some((*at_ms, *broker)) } else { None })
        .ok_or_else(|| LabError::Unfit {
            scenario: s.name.clone(),
            problem: "has no broker_crash fault to draw: add one under [[faults]]".into(),
        })?;
    let mut w = world(s)?;
    step(s, &mut w, crash_ms - 1)?;
    let before = w.cluster_state();
    // The controller notices after broker.session.timeout.ms and elects new leaders from the ISR.
    let after_ms = crash_ms + s.cluster.broker_session_timeout_ms + 1000;
    step(s, &mut w, after_ms)?;
    let after = w.cluster_state();
    let had = before.partitions.iter().filter(|p| p.leader == Some(broker)).count();
    // Its partitions that have another leader now (the controller elects only from the ISR).
    let moved = before
        .partitions
        .iter()
        .zip(&after.partitions)
        .filter(|(b, a)| b.leader == Some(broker) && a.leader.is_some_and(|l| l != broker))
        .count();
    let partitions = if moved == had {
        let noun = if had == 1 { "partition" } else { "partitions" };
        let had = Unit::Count.text(had as f64);
        Text::new(format!("оның {} партициясының", had.kk), format!("its {} {noun}", had.en))
    } else {
        tl!(
            "оның {} партициясының ішінде тек {} партицияның",
            "{1} of its {0} partitions",
            Unit::Count.text(had as f64),
            Unit::Count.text(moved as f64)
        )
    };
    let seconds = |ms: u64| Unit::Ms.text(ms as f64);
    let figure = Figure {
        id: "cluster".into(),
        title: t!(
            "Kafka кластері: брокер істен шыққанға дейін және кейін",
            "The Kafka cluster before and after a broker fails"
        ),
        caption: tl!(
            "Брокер {} істен шыққанда {} лидерлігін KRaft контроллері ISR-дегі ізбасарларға берді; тұтынушылар тобы сол партицияларды оқуды жалғастырады.",
            "When broker {} failed, the KRaft controller moved the leadership of {} to followers in the ISR; the consumer group keeps reading the same partitions.",
            Unit::Count.text(f64::from(broker)),
            partitions
        ),
        plot: Plot::Cluster(Cluster {
            states: vec![
                (tl!("Дейін ({})", "Before ({})", seconds(crash_ms - 1)), before.clone()),
                (
                    tl!(
                        "Брокер {} істен шыққаннан кейін ({})",
                        "After broker {} fails ({})",
                        Unit::Count.text(f64::from(broker)),
                        seconds(after_ms)
                    ),
                    after.clone(),
                ),
            ],
        }),
    };
    Ok((figure, before, after))
}

/// The same failure under every acks and min.insync.replicas setting.
fn loss_scenarios(seed: Option<u64>, settings: &[(Acks, u32)]) -> Vec<Scenario> {
    varied(&base(FAILURE, seed), settings, |s, (acks, min_isr)| {
        s.cluster.min_insync_replicas = min_isr;
        for p in &mut s.producers {
            p.acks = acks;
            // The idempotent producer requires acks=all (KafkaProducer's config check).
            p.idempotence = Some(acks == Acks::All);
        }
    })
}

fn acks_name(a: Acks) -> &'static str {
    match a {
        Acks::None => "acks=0",
        Acks::Leader => "acks=1",
        Acks::All => "acks=all",
    }
}

/// A consumer crash, watched: the lag series and when the group's rebalances began and ended.
struct CrashRun {
    results: Results,
    crash_ms: u64,
    session_timeout_ms: u64,
    rebalances: Vec<(f64, f64)>,
}

fn crash_scenario(quick: &Scenario) -> Scenario {
    let mut s = quick.clone();
    s.run.duration_ms = 30_000;
    s.consumer_group.session_timeout_ms = 10_000;
    // Lag is measured at committed offsets (as kafka-consumer-groups reports it): committing every
    // second keeps the auto-commit sawtooth small next to what the crash does.
    s.consumer_group.auto_commit_interval_ms = 1000;
    s.faults = vec![Fault::ConsumerCrash { at_ms: CRASH_MS, member: 1 }];
    s
}

fn consumer_crash(s: &Scenario) -> Result<CrashRun> {
    let mut w = world(s)?;
    let (mut rebalances, mut since) = (Vec::new(), None);
    let mut t = 0;
    while !w.is_finished() {
        t += WATCH_MS;
        step(s, &mut w, t)?;
        match (w.cluster_state().group.rebalancing, since) {
            (true, None) => since = Some(t),
            (false, Some(start)) => {
                rebalances.push((start as f64, t as f64));
                since = None;
            }
            _ => {}
        }
    }
    Ok(CrashRun {
        results: Results::of(&w),
        crash_ms: CRASH_MS,
        session_timeout_ms: s.consumer_group.session_timeout_ms,
        rebalances,
    })
}

/// What a group of consumers achieved while the producers were sending faster than it could read.
#[derive(Clone, Copy)]
struct GroupRate {
    /// Records per second delivered after the first second (the group forms in it).
    delivered_per_s: f64,
    /// Members the assignor gave no partition.
    idle: usize,
}

fn group_rate(s: &Scenario) -> Result<GroupRate> {
    let mut w = world(s)?;
    step(s, &mut w, s.run.duration_ms)?;
    let idle = w.cluster_state().group.members.iter().filter(|m| m.alive && m.assigned.is_empty()).count();
    let r = Results::of(&w);
    let (first, last) =
        (1000.0 / r.series.delivered.bucket_ms, s.run.duration_ms as f64 / r.series.delivered.bucket_ms);
    // A group that delivered nothing after the first second has fewer buckets than the run (none at all).
    let delivered: u64 = r.series.delivered.count.iter().take(last as usize).skip(first as usize).sum();
    let seconds = (last - first) * r.series.delivered.bucket_ms / 1000.0;
    Ok(GroupRate { delivered_per_s: (delivered as f64 / seconds).round(), idle })
}

/// What one of the lab's runs measures.
#[derive(Clone, Copy)]
enum Measure {
    Cluster,
    Results,
    Crash,
    Group,
}

enum Measured {
    Cluster(Box<(Figure, ClusterState, ClusterState)>),
    Results(Box<Results>),
    Crash(Box<CrashRun>),
    Group(GroupRate),
}

fn measure(m: Measure, s: &Scenario) -> Result<Measured> {
    Ok(match m {
        Measure::Cluster => Measured::Cluster(Box::new(cluster_figure(s)?)),
        Measure::Results => Measured::Results(Box::new(run(s)?)),
        Measure::Crash => Measured::Crash(Box::new(consumer_crash(s)?)),
        Measure::Group => Measured::Group(group_rate(s)?),
    })
}

/// The measurement of a run listed as that kind: the lab reads them back in the order it listed them.
impl Measured {
    fn cluster(self) -> Box<(Figure, ClusterState, ClusterState)> {
        let Self::Cluster(c) = self else { unreachable!("listed as the cluster run") };
        c
    }

    fn results(self) -> Results {
        let Self::Results(r) = self else { unreachable!("listed as a run to its end") };
        *r
    }

    fn crash(self) -> CrashRun {
        let Self::Crash(c) = self else { unreachable!("listed as the consumer crash") };
        *c
    }

    fn group(self) -> GroupRate {
        let Self::Group(g) = self else { unreachable!("listed as a group's rate") };
        g
    }
}

pub fn run_lab(seed: Option<u64>, scenario: Option<&Scenario>, progress: &mut dyn FnMut(&str)) -> Result<LabReport> {
    let quick = lab_base("kafka", seed, scenario);

    progress("the cluster, the failure's losses, the consumer crash, the group's rate, linger.ms");
    let settings: Vec<(Acks, u32)> =
        [Acks::None, Acks::Leader, Acks::All].into_iter().flat_map(|a| [(a, 1u32), (a, 2)]).collect();
    let mut busy = quick.clone();
    busy.run.duration_ms = 3000;
    // The group's rate is counted second by second, after the first (`group_rate`).
    busy.run.bucket_ms = 1000;
    // Each consumer works 50 µs per record: at most 20 000 records/s, less its fetches' round trips.
    busy.consumer_group.processing_time = DistSpec::Constant { ms: 0.05 };
    let consumers = [1u32, 2, 3, 4, 6, 8];
    let groups = PARTITIONS.map(|partitions| {
        let mut s = busy.clone();
        s.topic.partitions = partitions;
        // The producers offer every partition 25 000 records/s, more than one consumer can take.
        let producers: u32 = s.producers.iter().map(|p| p.count).sum();
        for p in &mut s.producers {
            p.rate_per_s = 25_000.0 * f64::from(partitions) / f64::from(producers);
        }
        varied(&s, &consumers, |s, c| s.consumer_group.members = c)
    });
    let lingers = [0u64, 2, 5, 10, 20, 50];
    let linger_acks = [Acks::Leader, Acks::All];
    let mut batching = quick.clone();
    batching.run.duration_ms = 5000;
    let batching_runs = linger_acks.map(|acks| {
        let mut s = batching.clone();
        for p in &mut s.producers {
            p.acks = acks;
            p.idempotence = Some(acks == Acks::All);
        }
        varied(&s, &lingers, |s, linger| s.producers.iter_mut().for_each(|p| p.linger_ms = linger))
    });
    // Every run is independent of the others: one list, run side by side.
    let mut runs = vec![(Measure::Cluster, base(FAILURE, seed))];
    runs.extend(loss_scenarios(seed, &settings).into_iter().map(|s| (Measure::Results, s)));
    runs.push((Measure::Crash, crash_scenario(&quick)));
    runs.extend(groups.into_iter().flatten().map(|s| (Measure::Group, s)));
    runs.extend(batching_runs.into_iter().flatten().map(|s| (Measure::Results, s)));
    let measured = crate::par::map(&runs, |(m, s)| measure(*m, s)).into_iter().collect::<Result<Vec<_>>>()?;
    let mut measured = measured.into_iter();

    let (cluster, _, after) = *measured.next().expect("listed").cluster();
    let elected = after.partitions.iter().filter(|p| p.leader.is_some()).count();
    let losses: Vec<(Acks, u32, u64)> = settings
        .iter()
        .zip(measured.by_ref())
        .map(|(&(acks, min_isr), m)| (acks, min_isr, m.results().ledger.lost))
        .collect();
    let lost = |acks: Acks, min_isr: u32| {
        losses.iter().find(|(a, m, _)| *a == acks && *m == min_isr).map(|l| l.2 as f64).expect("measured")
    };
    let crash = measured.next().expect("listed").crash();
    let lag_series = &crash.results.series.consumer_lag;
    let lag: Vec<(f64, f64)> =
        lag_series.mean.iter().enumerate().map(|(i, v)| ((i + 1) as f64 * lag_series.bucket_ms, *v)).collect();
    let max_lag = lag.iter().map(|p| p.1).fold(0.0, f64::max);
    // The rebalance the crash caused: the first to begin after the crash, when the coordinator's session
    // timer (restarted by the last heartbeat before the crash) ran out.
    let rebalance = crash.rebalances.iter().copied().find(|r| r.0 >= crash.crash_ms as f64);
    let timeout_at = rebalance.map_or(f64::NAN, |r| r.0);

    let parallel: Vec<(u32, Vec<(u32, GroupRate)>)> = PARTITIONS
        .iter()
        .map(|&p| (p, consumers.iter().copied().zip(measured.by_ref().map(Measured::group)).collect()))
        .collect();
    let group = |partitions: u32, c: u32| {
        let pts = &parallel.iter().find(|(p, _)| *p == partitions).expect("swept").1;
        pts.iter().find(|(m, _)| *m == c).expect("swept").1
    };
    let rate_at = |partitions: u32, c: u32| group(partitions, c).delivered_per_s;
    let most = *consumers.last().expect("swept");

    let mut per_request = Vec::new();
    let mut requests_per_s = Vec::new();
    let mut latency = Vec::new();
    for acks in linger_acks {
        let runs: Vec<(u64, Results)> = lingers.iter().copied().zip(measured.by_ref().map(Measured::results)).collect();
        let req = runs
            .iter()
            .map(|(linger, r)| (*linger as f64, r.ledger.produced as f64 / r.kafka.produce_requests.max(1) as f64))
            .collect();
        let lat = runs.iter().map(|(linger, r)| (*linger as f64, r.produce_latency_ms.p50_ms)).collect();
        let seconds = batching.run.duration_ms as f64 / 1000.0;
        let rps = runs.iter().map(|(linger, r)| (*linger as f64, r.kafka.produce_requests as f64 / seconds)).collect();
        per_request.push((acks, req));
        requests_per_s.push((acks, rps));
        latency.push((acks, lat));
    }
    let value = |v: &[(Acks, Vec<(f64, f64)>)], acks: Acks, x: f64| {
        v.iter().find(|(a, _)| *a == acks).and_then(|(_, p)| p.iter().find(|p| p.0 == x)).map(|p| p.1).expect("swept")
    };

    let n = |v: f64| Unit::Count.text(v.round());
    let ms = |v: f64| Unit::Ms.text(v);
    let plain = |v: f64| Unit::Plain.text((v * 10.0).round() / 10.0);
    let leaders = if elected == after.partitions.len() {
        tl!("{} партицияның бәрі", "all {} partitions", n(elected as f64))
    } else {
        tl!(
            "{} партицияның ішінде {} партиция ғана",
            "{1} of {0} partitions",
            n(after.partitions.len() as f64),
            n(elected as f64)
        )
    };
    let answer = tl!(
        "Kafka-ның негізгі элементтері: жазбаларды топикке жазатын producer-лер, топиктің партициялары, әр партицияның бір брокердегі лидері мен басқа брокерлердегі ізбасарлары (ISR), жаңа лидерлерді сайлайтын KRaft контроллері және партицияларды өзара бөлетін тұтынушылар тобы. Брокер істен шыққанда {} қайтадан лидерлі болды; сол бір ақауда acks=1 {} расталған жазбаны жоғалтты, acks=all — {}. Тұтынушы істен шыққанда оның партициялары сессия уақыты өткенше тұрып қалды ({}, оның соңғы жүрек соғысынан (heartbeat) бастап есептеледі; Kafka-да әдепкі мәні 45 с), артта қалу {} жазбаға жетті. Партицияны топтың бір ғана тұтынушысы оқиды: бір партиция {} жазба/с береді, ал 2 партицияда {} тұтынушы бос тұрады (барлығы {} тұтынушы).",
        "Kafka's main elements: producers writing records to a topic, the topic's partitions, each partition's leader on one broker and followers on others (the ISR), a KRaft controller that elects new leaders, and a consumer group that shares the partitions among its members. When a broker failed, {} had a leader again; under that one failure acks=1 lost {} acknowledged records and acks=all {}. When a consumer failed, its partitions stalled until its session timed out ({}, counted from its last heartbeat; Kafka's default is 45 s), and the lag reached {} records. A partition is read by one consumer of the group only: one partition delivers {} records/s, and on 2 partitions {} of {} consumers sit idle.",
        leaders,
        n(lost(Acks::Leader, 1)),
        n(lost(Acks::All, 2)),
        ms(crash.session_timeout_ms as f64),
        n(max_lag),
        n(rate_at(1, most)),
        n(group(2, most).idle as f64),
        n(f64::from(most))
    );
    let mut marks = vec![Mark::X {
        at: crash.crash_ms as f64, label: t!("тұтынушы істен шықты", "a consumer fails")
    }];
    if let Some((start, end)) = rebalance {
        marks.push(Mark::X {
            at: start,
            label: tl!("сессия уақыты өтті, қайта теңгерім {}", "session timeout, rebalance {}", ms(end - start)),
        });
    }
    let loss_fig = Figure {
        id: "loss".into(),
        title: t!(
            "Бір ақау, әр баптау: producer жазылды деп санаған, бірақ жоғалған жазбалар",
            "One failure, every setting: records lost that the producer counted as written"
        ),
        caption: {
            let same = [Acks::None, Acks::Leader, Acks::All].iter().all(|&a| lost(a, 1) == lost(a, 2));
            let lost = tl!(
                "Желі баяулап, лидер істен шыққанда: acks=0 өзі жіберген {} жазбаны жоғалтты (ол растауды күтпейді), acks=1 — {} расталған жазба, acks=all — {}.",
                "A network spike, then the leader fails: acks=0 lost {} records it had sent (it waits for no acknowledgement), acks=1 {} acknowledged records, acks=all {}.",
                n(lost(Acks::None, 2)),
                n(lost(Acks::Leader, 2)),
                n(lost(Acks::All, 2))
            );
            let note = if same {
                t!(
                    " min.insync.replicas 1 мен 2 бірдей нәтиже берді: ISR-дегі репликалар саны осы мәннен аз болғанда ол тек acks=all жазуларын қабылдамайды (жоғары су белгісін де тоқтатады, сондықтан тұтынушылар күтеді), ал acks=1 лидер жазғанды бәрібір растайды.",
                    " min.insync.replicas 1 and 2 gave the same: while the ISR is smaller than it, it refuses acks=all writes only (it also holds the high watermark, so consumers wait), and acks=1 still acknowledges what the leader alone wrote."
                )
            } else {
                t!("", "")
            };
            Text::new(lost.kk + &note.kk, lost.en + &note.en)
        },
        plot: Plot::Bars(Bars {
            axis: Axis::new(t!("жоғалған жазбалар", "records lost"), Unit::Count),
            series: vec![
                t!("min.insync.replicas = 1", "min.insync.replicas = 1"),
                t!("min.insync.replicas = 2", "min.insync.replicas = 2"),
            ],
            needed: None,
            groups: [Acks::None, Acks::Leader, Acks::All]
                .iter()
                .map(|&a| BarGroup {
                    label: Text::new(acks_name(a), acks_name(a)),
                    values: vec![lost(a, 1), lost(a, 2)],
                    needed: None,
                })
                .collect(),
        }),
    };
    let lag_fig = Figure {
        id: "consumer-lag".into(),
        title: t!("Тұтынушылар тобы: істен шығу және қайта теңгерім", "Consumer group: a failure and the rebalance"),
        caption: {
            // When the lag peaked: by the end of the rebalance (one bucket's slack), or after it.
            let peak_ms = lag.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1)).map_or(0.0, |p| p.0);
            match rebalance {
                Some((_, end)) if peak_ms <= end + lag_series.bucket_ms => tl!(
                    "Тұтынушы {}-та істен шықты; топ мұны сессия уақыты өткенде ({}) байқады, артта қалу {} жазбаға жетті, қайта теңгерімнен кейін азайды.",
                    "A consumer failed at {}; the group noticed when its session timed out ({}), the lag reached {} records and fell after the rebalance.",
                    ms(crash.crash_ms as f64),
                    ms(timeout_at),
                    n(max_lag)
                ),
                Some(_) => tl!(
                    "Тұтынушы {}-та істен шықты; топ мұны сессия уақыты өткенде ({}) байқады, бірақ артта қалу қайта теңгерімнен кейін де өсіп, {} жазбаға жетті.",
                    "A consumer failed at {}; the group noticed when its session timed out ({}), but the lag went on growing after the rebalance, to {} records.",
                    ms(crash.crash_ms as f64),
                    ms(timeout_at),
                    n(max_lag)
                ),
                None => tl!(
                    "Тұтынушы {}-та істен шықты; топ мұны модельдеу соңына дейін байқамады, артта қалу {} жазбаға жетті.",
                    "A consumer failed at {}; the group had not noticed by the end of the run, and the lag reached {} records.",
                    ms(crash.crash_ms as f64),
                    n(max_lag)
                ),
            }
        },
        plot: Plot::Lines(Lines {
            x: Axis::new(t!("уақыт", "time"), Unit::Ms),
            y: Axis::new(t!("артта қалу, жазбалар", "consumer lag, records"), Unit::Count),
            series: vec![Series::line(t!("артта қалу", "lag"), lag.clone())],
            marks,
        }),
    };
    let parallel_fig = Figure {
        id: "consumers-vs-partitions".into(),
        title: t!("Партиция — тұтынушылар параллелизмінің бірлігі", "Partitions are the unit of consumer parallelism"),
        caption: tl!(
            "Бір партиция {} жазба/с береді, тұтынушы саны қанша болса да: 1 партицияда {} тұтынушы болғанда {} тұтынушы бос тұрады (партициясыз), 2 партицияда {} тұтынушы. 8 партицияда 8 тұтынушы — {} жазба/с.",
            "One partition delivers {} records/s however many consumers read it: on 1 partition {} consumers leave {} idle (no partition), on 2 partitions {} idle. On 8 partitions 8 consumers deliver {} records/s.",
            n(rate_at(1, most)),
            n(f64::from(most)),
            n(group(1, most).idle as f64),
            n(group(2, most).idle as f64),
            n(rate_at(8, 8))
        ),
        plot: {
            let x = || Axis::new(t!("топтағы тұтынушылар", "consumers in the group"), Unit::Count);
            let per_partitions = |value: &dyn Fn(&GroupRate) -> f64| -> Vec<Series> {
                parallel
                    .iter()
                    .map(|(p, pts)| {
                        Series::line(
                            Text::new(
                                format!("{p} партиция"),
                                format!("{p} partition{}", if *p == 1 { "" } else { "s" }),
                            ),
                            pts.iter().map(|(c, g)| (f64::from(*c), value(g))).collect(),
                        )
                    })
                    .collect()
            };
            Plot::Panels(vec![
                (
                    t!("Өңделген жазбалар/с", "Records delivered per second"),
                    Plot::Lines(Lines {
                        x: x(),
                        y: Axis::new(t!("жазбалар/с", "records/s"), Unit::Count),
                        series: per_partitions(&|g| g.delivered_per_s),
                        marks: vec![],
                    }),
                ),
                (
                    t!("Партициясыз (бос) тұтынушылар", "Consumers with no partition (idle)"),
                    Plot::Lines(Lines {
                        x: x(),
                        y: Axis::new(t!("бос тұтынушылар", "idle consumers"), Unit::Count),
                        series: per_partitions(&|g| g.idle as f64),
                        marks: vec![],
                    }),
                ),
            ])
        },
    };
    let batching_fig = Figure {
        id: "linger".into(),
        title: t!("linger.ms: жазбаларды топтау және оның бағасы", "linger.ms: batching and its price"),
        caption: tl!(
            "linger.ms 0 → 20 мс: бір сұрауда {} → {} жазба (acks=1), сондықтан брокерлер секундына {} → {} сұрау өңдейді, әрқайсысы өз тұрақты құнын төлейді; ал p50 жіберу кешігуі {} → {}.",
            "linger.ms 0 → 20 ms: {} → {} records per request (acks=1), so the brokers handle {} → {} produce requests/s, each paying its fixed cost; p50 produce latency goes {} → {}.",
            plain(value(&per_request, Acks::Leader, 0.0)),
            plain(value(&per_request, Acks::Leader, 20.0)),
            n(value(&requests_per_s, Acks::Leader, 0.0)),
            n(value(&requests_per_s, Acks::Leader, 20.0)),
            ms(value(&latency, Acks::Leader, 0.0)),
            ms(value(&latency, Acks::Leader, 20.0))
        ),
        plot: {
            let x = || Axis::new(t!("linger.ms", "linger.ms"), Unit::Ms);
            Plot::Panels(vec![
                (
                    t!("Пайдасы: брокерлер өңдейтін сұраулар/с", "Benefit: produce requests/s the brokers handle"),
                    Plot::Lines(Lines {
                        x: x(),
                        y: Axis::new(t!("сұраулар/с", "requests/s"), Unit::Count),
                        // Batching does not depend on acks: one line.
                        series: vec![Series::line(
                            t!("сұраулар/с (acks=1)", "requests/s (acks=1)"),
                            requests_per_s.iter().find(|(a, _)| *a == Acks::Leader).expect("swept").1.clone(),
                        )],
                        marks: vec![],
                    }),
                ),
                (
                    t!("Бағасы: жіберу кешігуі (p50)", "Cost: produce latency (p50)"),
                    Plot::Lines(Lines {
                        x: x(),
                        y: Axis::new(t!("кешігу", "latency"), Unit::Ms),
                        series: latency
                            .iter()
                            .map(|(a, p)| Series::line(Text::new(acks_name(*a), acks_name(*a)), p.clone()))
                            .collect(),
                        marks: vec![],
                    }),
                ),
            ])
        },
    };
    let summary = vec![tl!(
        "Тұтынушы істен шыққанда {} жазба екі рет өңделді (соңғы бекітілген ығысудан бастап қайта оқылды).",
        "When the consumer failed, {} records were processed twice (re-read from the last committed offset).",
        n(crash.results.ledger.duplicated as f64)
    )];
    Ok(LabReport {
        id: "kafka",
        title: t!("4-зертхана. Apache Kafka", "Lab 4. Apache Kafka"),
        scenario: "kafka",
        results: json!({
            "cluster_after_failure": after,
            "lost_by_acks_and_min_insync": losses.iter().map(|(a, m, l)| json!({"acks": acks_name(*a), "min_insync_replicas": m, "lost": l})).collect::<Vec<_>>(),
            "consumer_crash": {
                "max_lag": max_lag, "duplicated": crash.results.ledger.duplicated,
                "rebalances_ms": crash.rebalances, "session_timeout_at_ms": timeout_at,
                "session_timeout_ms": crash.session_timeout_ms,
            },
            "delivered_per_s_vs_consumers": parallel.iter().map(|(p, pts)| json!({
                "partitions": p,
                "points": pts.iter().map(|(c, g)| (c, g.delivered_per_s)).collect::<Vec<_>>(),
                "idle_consumers": pts.iter().map(|(c, g)| (c, g.idle)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "produce_requests_per_s_vs_linger": requests_per_s.iter().map(|(a, p)| json!({"acks": acks_name(*a), "points": p})).collect::<Vec<_>>(),
            "records_per_request_vs_linger": per_request.iter().map(|(a, p)| json!({"acks": acks_name(*a), "points": p})).collect::<Vec<_>>(),
            "produce_latency_p50_ms_vs_linger": latency.iter().map(|(a, p)| json!({"acks": acks_name(*a), "points": p})).collect::<Vec<_>>(),
        }),
        answer,
        headline: cluster,
        figures: vec![loss_fig, lag_fig, parallel_fig, batching_fig],
        summary,
    })
}
