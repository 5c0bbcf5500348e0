//! The handlers, called in-process on the router.

use super::{Limits, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::path::Path;
use streamlab_sim::{Scenario, SimTime};
use tower::ServiceExt;

const TINY: &str = "name = \"tiny\"\n[run]\nseed = 1\nduration_ms = 2000\ndrain_ms = 5000\n\
    [[producers]]\nrate_per_s = 500.0\n\
    [consumer_group]\ninitial_rebalance_delay_ms = 0\nsession_timeout_ms = 600\nheartbeat_interval_ms = 200\n[[faults]]\nkind = \"consumer_crash\"\nat_ms = 500\nmember = 0\n";

fn limits() -> Limits {
    Limits { max_runs: 2, max_body_bytes: 4096, max_events: 10_000_000, max_progress_events: 50 }
}

fn app(limits: Limits) -> (Router, std::sync::Arc<super::AppState>) {
    router(Path::new("no-such-site"), limits)
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

fn call(app: &Router, req: Request<Body>) -> Answer {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    rt.block_on(async {
        let r = app.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let content_type =
            r.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap();
        Answer { status, content_type, body: String::from_utf8(bytes.to_vec()).unwrap() }
    })
}

fn post(uri: &str, body: &str, stream: bool) -> Request<Body> {
    let mut b = Request::post(uri);
    if stream {
        b = b.header(header::ACCEPT, "text/event-stream");
    }
    b.body(Body::from(body.to_string())).unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// What `streamlab run --seed N` writes, by the command's own stepping (a step of a twentieth).
fn command_json(text: &str, seed: u64) -> String {
    let mut s = Scenario::from_toml(text).unwrap();
    s.run.seed = seed;
    let step = SimTime::from_millis(s.run.duration_ms / 20);
    crate::cli::simulate_stepped(&s, step, |_| Ok(())).unwrap().to_json()
}

#[test]
fn a_run_answers_the_json_the_command_writes() {
    let (app, _) = app(limits());
    let a = call(&app, post("/api/run?seed=9", TINY, false));
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.content_type, "application/json");
    assert_eq!(a.body, command_json(TINY, 9));
    assert!(a.body.contains("\"seed\": 9"));
}

/// The SSE body: (event name, data) in order.
fn events(body: &str) -> Vec<(String, String)> {
    body.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or("message").to_string();
            let data: Vec<&str> =
                block.lines().filter_map(|l| l.strip_prefix("data: ").or(l.strip_prefix("data:"))).collect();
            (name, data.join("\n"))
        })
        .collect()
}

#[test]
fn a_streamed_run_shows_progress_then_the_same_result() {
    let (app, state) = app(limits());
    let a = call(&app, post("/api/run?seed=9", TINY, true));
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.content_type.starts_with("text/event-stream"), "{}", a.content_type);
    let ev = events(&a.body);
    let (last, progress) = ev.split_last().unwrap();
    assert_eq!(last.0, "result");
    assert_eq!(last.1, command_json(TINY, 9), "the result event carries results.json");
    assert!(progress.iter().all(|(n, _)| n == "progress"));
    assert!(progress.len() >= 20 && progress.len() as u64 <= 50, "{} progress events", progress.len());
    let frames: Vec<serde_json::Value> = progress.iter().map(|(_, d)| serde_json::from_str(d).unwrap()).collect();
    let times: Vec<f64> = frames.iter().map(|f| f["sim_time_ms"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "simulated time advances: {times:?}");
    let delivered: Vec<u64> = frames.iter().map(|f| f["ledger"]["delivered"].as_u64().unwrap()).collect();
    assert!(delivered.windows(2).all(|w| w[0] <= w[1]) && delivered[0] < *delivered.last().unwrap());
    // The crashed consumer appears dead in the cluster snapshots after 500 ms and its partitions move.
    let member0 = |f: &serde_json::Value| f["cluster"]["group"]["members"][0].clone();
    assert_eq!(member0(&frames[0])["alive"], true);
    let last_frame = frames.last().unwrap();
    assert_eq!(member0(last_frame)["alive"], false);
    assert_eq!(member0(last_frame)["assigned"], serde_json::json!([]));
    assert_eq!(state.runs.available_permits(), 2, "the run's place is free again");
}

#[test]
fn a_bad_scenario_answers_400_naming_the_key() {
    let (app, _) = app(limits());
    for stream in [false, true] {
        let a = call(&app, post("/api/run", "[topic]\npartitions = 0\n", stream));
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert_eq!(a.body, "scenario: `topic.partitions`: must be at least 1\n");
    }
    let a = call(&app, post("/api/run?seed=x", TINY, false));
    let refusal = "`seed` = `x` is not a whole number from 0 to 9223372036854775807\n";
    assert_eq!((a.status, a.body.as_str()), (StatusCode::BAD_REQUEST, refusal));
    let a = call(&app, post("/api/run?sed=1", TINY, false));
    assert_eq!(a.body, "unknown parameter `sed`; parameters: seed\n");
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = call(&app, post("/api/run?seed=9223372036854775808", TINY, false));
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "past TOML's largest integer: {}", a.body);
    let a = call(&app, post("/api/run", "[topic]\ncolour = 1\n", false));
    assert!(a.status == StatusCode::BAD_REQUEST && a.body.contains("colour"), "{}", a.body);
}

#[test]
fn limits_answer_clearly() {
    let (app, state) = app(limits());
    let big = format!("# {}\n{TINY}", "x".repeat(5000));
    let a = call(&app, post("/api/run", &big, false));
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(a.body.contains("larger than this server accepts (4 KiB)"), "{}", a.body);

    let held = state.runs.clone().try_acquire_many_owned(2).unwrap();
    let a = call(&app, post("/api/run", TINY, true));
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(a.body.contains("2 runs are simulating already"), "{}", a.body);
    drop(held);

    let (app, _) = self::app(Limits { max_events: 1000, ..limits() });
    let a = call(&app, post("/api/run", TINY, false));
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.starts_with("the run reached this server's limit of 1000 events at simulated time "), "{}", a.body);
    assert!(a.body.contains("with `streamlab run`, where run.max_events can be raised"), "{}", a.body);
    let a = call(&app, post("/api/run", TINY, true));
    let ev = events(&a.body);
    assert_eq!(ev.last().unwrap().0, "error");
    assert!(ev.last().unwrap().1.contains("this server's limit of 1000 events"));
    // A scenario's own lower limit keeps the simulator's advice: raise it.
    let own = TINY.replace("duration_ms = 2000\n", "duration_ms = 2000\nmax_events = 500\n");
    let a = call(&app, post("/api/run", &own, false));
    assert!(a.body.contains("raise run.max_events"), "{}", a.body);
}

#[test]
fn the_scenario_endpoint_makes_the_file_the_page_runs() {
    let (app, _) = app(limits());
    let a = call(&app, get("/api/scenario/kafka?acks=1&crash_broker=2&crash_broker_at_ms=3000&seed=5"));
    assert_eq!(a.status, StatusCode::OK);
    let s = Scenario::from_toml(&a.body).unwrap();
    assert_eq!(s.run.seed, 5);
    assert!(a.body.contains("# Run it: streamlab run kafka.toml --seed 5"));
    assert!(a.body.contains("kind = \"broker_crash\"\nat_ms = 3000\nbroker = 2"), "{}", a.body);
    let a = call(&app, get("/api/scenario/kafka?partitions=0"));
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("`topic.partitions`: must be at least 1"), "{}", a.body);
}

#[test]
fn lab_pages_carry_their_scenario_and_controls() {
    let (app, _) = app(limits());
    let a = call(&app, get("/lab/flink-vs-spark"));
    assert_eq!(a.status, StatusCode::OK);
    let config = a.body.split("window.LAB = ").nth(1).unwrap().split(";</script>").next().unwrap();
    let c: serde_json::Value = serde_json::from_str(config).unwrap();
    assert_eq!((c["flink"].as_bool(), c["spark"].as_bool()), (Some(true), Some(true)));
    assert_eq!(c["defaults"]["window_ms"], 1000);
    assert_eq!(c["defaults"]["checkpoint_ms"], 5000);
    let a = call(&app, get("/lab/broker-crash-acks-1"));
    assert!(a.body.contains(r#""faults":[{"at_ms":2000,"kind":"network_spike""#), "{}", a.body);
    let a = call(&app, get("/lab/bench"));
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.body.contains("streamlab bench --model bench") && a.body.contains("live pages: "), "{}", a.body);
    assert!(!a.body.contains("live pages: applications, batch-vs-stream, bench"), "{}", a.body);
    let a = call(&app, get("/lab/nope"));
    assert!(a.body.contains("no live page named `nope`; live pages: applications,"), "{}", a.body);
    let a = call(&app, get("/lab"));
    assert!(a.body.contains("href=\"/lab/kafka\"") && !a.body.contains("/lab/bench") && !a.body.contains("/lab/mm1"));
    for file in ["lab.js", "common.js", "replay.js", "style.css", "trace.csv"] {
        assert_eq!(call(&app, get(&format!("/assets/{file}"))).status, StatusCode::OK, "{file}");
    }
}

#[test]
fn a_method_an_address_does_not_take_is_answered_with_the_one_it_takes() {
    let (app, _) = app(limits());
    let a = call(&app, get("/api/run"));
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "GET /api/run: this address takes POST only\n")
    );
    let a = call(&app, post("/index.html", "", false));
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "POST /index.html: this address takes GET only\n")
    );
    let a = call(&app, post("/lab/kafka", "", false));
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "POST /lab/kafka: this address takes GET only\n")
    );
}

#[test]
fn a_replay_answers_the_command_output_and_names_a_bad_parameter_as_the_query_spells_it() {
    let (app, _) = app(limits());
    let trace = super::assets::TRACE_CSV;
    let a = call(&app, post("/api/replay?window=tumbling:10s&watermark_delay=5s&trigger=5s", trace, false));
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let flags = crate::cli::ReplayFlags {
        window: Some("tumbling:10s".into()),
        watermark_delay: Some("5s".into()),
        trigger: Some("5s".into()),
        ..Default::default()
    };
    let settings = flags.settings(true, true, crate::cli::Spelling::Query).unwrap();
    let rows = streamlab_sim::engine::replay::parse_trace(trace).unwrap();
    assert_eq!(a.body, streamlab_sim::engine::replay::replay(&rows, &settings));
    // The teaching trace: Flink drops a record as late that Spark, whose watermark moves per batch, counts.
    assert!(a.body.contains("flink,late,0,10000,a,1,1,17000,,10499\n"), "{}", a.body);
    assert!(a.body.contains("flink,window,0,10000,a,5,5,") && a.body.contains("spark,window,0,10000,a,6,6,"));
    let a = call(&app, post("/api/replay?window=tumbling:10x&watermark_delay=5s", trace, false));
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.starts_with("window: `10x` has an unknown unit"), "{}", a.body);
    let a = call(&app, post("/api/replay?window=tumbling:10s&watermark_delay=5", trace, false));
    assert_eq!(a.body, "watermark_delay: `5`: give a unit: 5ms, 5s, 5m or 5h\n");
    let a = call(&app, post("/api/replay?window=tumbling:10s&watermark_delay=0", trace, false));
    assert_eq!(a.status, StatusCode::OK, "0 needs no unit: {}", a.body);
    let a = call(&app, post("/api/replay?window=tumbling:10s", trace, false));
    assert_eq!(a.body, "watermark_delay is needed, e.g. watermark_delay=2s\n");
    let a = call(&app, post("/api/replay?window=tumbling:10s&watermark_dealy=1s", trace, false));
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.body.starts_with("unknown parameter `watermark_dealy`; parameters: window, watermark_delay"),
        "{}",
        a.body
    );
    let a = call(&app, post("/api/replay?window=tumbling:10s&watermark_delay=1s&output_mode=all", trace, false));
    assert!(a.body.starts_with("output_mode `all`: use "), "{}", a.body);
    // Two rows a day apart with a 1 ms watermark interval: the replay command's work limit refuses it here too.
    let long = "arrival_ms,event_ms,key,value\n0,0,a,1\n100000000,100000000,a,1\n";
    let a = call(
        &app,
        post("/api/replay?engine=flink&window=tumbling:10s&watermark_delay=1s&watermark_interval=1ms", long, false),
    );
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(a.body.starts_with("trace: ") && a.body.contains("limit"), "{}", a.body);
}

#[test]
fn the_site_is_served_from_its_folder() {
    let site = std::env::temp_dir().join(format!("streamlab-serve-site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("en")).unwrap();
    std::fs::write(site.join("en/index.html"), "<p>en</p>").unwrap();
    std::fs::write(site.join("secret.txt"), "no").unwrap();
    let (app, _) = router(&site, limits());
    let a = call(&app, get("/en/"));
    assert_eq!(
        (a.status, a.content_type.as_str(), a.body.as_str()),
        (StatusCode::OK, "text/html; charset=utf-8", "<p>en</p>")
    );
    assert_eq!(call(&app, get("/en")).status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(call(&app, get("/en/../secret.txt")).status, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, get("/")).status, StatusCode::TEMPORARY_REDIRECT, "no index.html: to the live labs");
    let h: serde_json::Value = serde_json::from_str(&call(&app, get("/api/health")).body).unwrap();
    assert_eq!((h["ok"].as_bool(), h["max_runs"].as_u64()), (Some(true), Some(2)));
}

/// Every live lab says what it runs in both languages, and no description is for a page that does not exist.
#[test]
fn every_live_lab_is_described_in_kazakh() {
    let all: toml::Table = toml::from_str(super::assets::DESCRIPTIONS_KK).unwrap();
    let kk = all["kk"].as_table().unwrap();
    let live = super::pages::live_names();
    for name in &live {
        let text = kk.get(*name).and_then(toml::Value::as_str).unwrap_or_default();
        assert!(text.starts_with(*name) && text.len() > 40, "{name}: {text:?}");
    }
    assert_eq!(kk.len(), live.len(), "{:?}", kk.keys().collect::<Vec<_>>());
}
