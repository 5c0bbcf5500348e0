//! The JSON API: a run answers what `streamlab run` writes to results.json, all at once or as server-sent
//! events while it simulates; a replay answers what `streamlab replay` prints.

use super::{AppState, pages, params};
use crate::cli;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use streamlab_sim::cluster_state::ClusterState;
use streamlab_sim::engine::EngineSummary;
use streamlab_sim::ledger::LedgerSummary;
use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, SimError, SimTime, World};
use tokio::sync::OwnedSemaphorePermit;

type Params = Query<BTreeMap<String, String>>;

/// A request the server does not carry out, with what was wrong and what to do, as plain text.
pub struct Refusal(StatusCode, String);

impl Refusal {
    fn bad(e: &anyhow::Error) -> Refusal {
        Refusal(StatusCode::BAD_REQUEST, format!("{e:#}"))
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut r = (self.0, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], self.1 + "\n").into_response();
        if self.0 == StatusCode::TOO_MANY_REQUESTS {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

/// A method an address does not take (a GET of /api/run, a POST of a page): which ones it takes.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Refusal {
    let path = uri.path();
    let takes = if matches!(path, "/api/run" | "/api/replay") { "POST" } else { "GET" };
    Refusal(StatusCode::METHOD_NOT_ALLOWED, format!("{method} {path}: this address takes {takes} only"))
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub async fn health(State(state): State<Arc<AppState>>) -> Response {
    let l = state.limits;
    json(
        serde_json::json!({
            "ok": true,
            "runs_in_progress": l.max_runs - state.runs.available_permits(),
            "max_runs": l.max_runs,
            "max_body_bytes": l.max_body_bytes,
            "max_events": l.max_events,
            "site_building": state.site_building.load(Ordering::SeqCst),
            "live_labs": pages::live_names(),
        })
        .to_string(),
    )
}

/// GET /api/scenario/NAME?control=value...: the scenario the live page runs, as a TOML file.
pub async fn scenario(Path(name): Path<String>, Query(query): Params) -> Result<Response, Refusal> {
    let s = params::scenario(&name, &query).map_err(|e| Refusal::bad(&e))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], params::scenario_file(&name, &query, &s))
        .into_response())
}

/// Reads a body up to the size limit (413 past it) as UTF-8 text (400 otherwise).
async fn body_text(state: &AppState, body: Body, what: &str) -> Result<String, Refusal> {
    let max = state.limits.max_body_bytes;
    let bytes = axum::body::to_bytes(body, max).await.map_err(|_| {
        Refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the {what} is larger than this server accepts ({} KiB); send a shorter one", max / 1024),
        )
    })?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Refusal(StatusCode::BAD_REQUEST, format!("the {what} is not UTF-8 text")))
}

/// A place among the runs allowed at once, or 429.
fn permit(state: &AppState) -> Result<OwnedSemaphorePermit, Refusal> {
    state.runs.clone().try_acquire_owned().map_err(|_| {
        Refusal(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "{} runs are simulating already, the most this server runs at once (streamlab serve --max-runs); try again in a moment",
                state.limits.max_runs
            ),
        )
    })
}

/// What a page draws while a run advances.
#[derive(Serialize)]
struct Progress {
    sim_time_ms: f64,
    /// When the producers stop; the run then drains.
    duration_ms: u64,
    events: u64,
    ledger: LedgerSummary,
    consumer_lag: u64,
    leader_elections: u64,
    isr_shrinks: u64,
    rebalances: u64,
    engines: Vec<EngineProgress>,
    cluster: ClusterState,
}

#[derive(Serialize)]
struct EngineProgress {
    engine: String,
    records_in: u64,
    results: u64,
    late_records: u64,
    latency_ms_p50: f64,
    latency_ms_p99: f64,
}

impl Progress {
    fn of(world: &World, duration_ms: u64) -> Progress {
        let r = Results::of(world);
        Progress {
            sim_time_ms: r.sim_time_ms,
            duration_ms,
            events: r.events,
            ledger: r.ledger,
            consumer_lag: r.final_consumer_lag,
            leader_elections: r.kafka.leader_elections,
            isr_shrinks: r.kafka.isr_shrinks,
            rebalances: r.kafka.rebalances,
            engines: r.engines.iter().map(EngineProgress::of).collect(),
            cluster: world.cluster_state(),
        }
    }
}

impl EngineProgress {
    fn of(e: &EngineSummary) -> EngineProgress {
        EngineProgress {
            engine: e.engine.clone(),
            records_in: e.records_in,
            results: e.results,
            late_records: e.late_records,
            latency_ms_p50: e.latency_ms.p50_ms,
            latency_ms_p99: e.latency_ms.p99_ms,
        }
    }
}

/// The simulated time between two progress events: about 100 while producers run, and never more than
/// the limit over the longest possible run.
fn progress_step(s: &Scenario, max_progress_events: u64) -> SimTime {
    let longest_ns = SimTime::from_millis(s.run.duration_ms + s.run.drain_ms).as_nanos();
    let ns = (SimTime::from_millis(s.run.duration_ms).as_nanos() / 100).max(longest_ns.div_ceil(max_progress_events));
    SimTime::from_nanos(ns.max(1))
}

/// Sets its flag when dropped: a handler dropped with its client tells the run it started to stop.
struct StopWhenDropped(Arc<std::sync::atomic::AtomicBool>);

impl Drop for StopWhenDropped {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// POST /api/run?seed=N with a scenario TOML body.
pub async fn run(
    State(state): State<Arc<AppState>>,
    Query(query): Params,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    params::known_only(&query, &["seed"]).map_err(|e| Refusal::bad(&e))?;
    let text = body_text(&state, body, "scenario").await?;
    let mut scenario = cli::parse_scenario(&text, "scenario").map_err(|e| Refusal::bad(&e))?;
    if let Some(seed) = query.get("seed") {
        scenario.run.seed = seed.parse().ok().filter(|s| *s <= cli::MAX_SEED).ok_or_else(|| {
            Refusal(
                StatusCode::BAD_REQUEST,
                format!("`seed` = `{seed}` is not a whole number from 0 to {}", cli::MAX_SEED),
            )
        })?;
    }
    let max_events = state.limits.max_events;
    scenario.run.max_events = scenario.run.max_events.min(max_events);
    let permit = permit(&state)?;
    let step = progress_step(&scenario, state.limits.max_progress_events);
    let streaming =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/event-stream"));
    if !streaming {
        // A client that goes away drops this handler: the run stops at its next step and frees its slot.
        let gone = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let _stop_when_gone = StopWhenDropped(gone.clone());
        let done = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            cli::simulate_stepped(&scenario, step, |_| {
                if gone.load(std::sync::atomic::Ordering::Relaxed) { Err(anyhow::anyhow!("closed")) } else { Ok(()) }
            })
        })
        .await
        .map_err(|_| panicked("run", "scenario"))?;
        return match done {
            Ok(results) => Ok(json(results.to_json())),
            // The user's scenario (400) or a limit met while running (422).
            Err(e) if cli::is_bad_input(&e) => Err(Refusal::bad(&e)),
            Err(e) => Err(Refusal(StatusCode::UNPROCESSABLE_ENTITY, run_failure(&e, max_events))),
        };
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Event>(8);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let duration_ms = scenario.run.duration_ms;
        let done = cli::simulate_stepped(&scenario, step, |world| {
            let data = serde_json::to_string(&Progress::of(world, duration_ms))?;
            // The page went away: stop simulating for nobody.
            tx.blocking_send(Event::default().event("progress").data(data)).map_err(|_| anyhow::anyhow!("closed"))
        });
        let last = match done {
            Ok(results) => Event::default().event("result").data(results.to_json()),
            Err(e) => Event::default().event("error").data(run_failure(&e, max_events)),
        };
        let _ = tx.blocking_send(last);
    });
    let events = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|e| e.map(Ok::<_, Infallible>)));
    Ok(Sse::new(events).into_response())
}

/// A run's failure as the page shows it. A run stopped at this server's event limit (`max_events`) is told
/// how to get past it: raising run.max_events in the file does not, here.
fn run_failure(e: &anyhow::Error, max_events: u64) -> String {
    match e.downcast_ref::<SimError>() {
        Some(SimError::EventLimit(max, at)) if *max == max_events => format!(
            "the run reached this server's limit of {max} events at simulated time {at}: shorten run.duration_ms or \
             lower the rates, or run the scenario on your machine with `streamlab run`, where run.max_events can be raised"
        ),
        _ => format!("{e:#}"),
    }
}

fn panicked(what: &str, input: &str) -> Refusal {
    Refusal(StatusCode::INTERNAL_SERVER_ERROR, format!("the {what} panicked: please report the {input}"))
}

/// POST /api/replay?window=tumbling:10s&watermark_delay=5s... with a trace CSV body: `streamlab replay`'s
/// output CSV. The parameters are the command's flags, spelled `watermark_delay`, with the same defaults;
/// a message names them that way.
pub async fn replay(State(state): State<Arc<AppState>>, Query(q): Params, body: Body) -> Result<Response, Refusal> {
    let text = body_text(&state, body, "trace").await?;
    let query = cli::Spelling::Query;
    const KEYS: [&str; 7] =
        ["window", "watermark-delay", "watermark-interval", "trigger", "allowed-lateness", "output-mode", "engine"];
    let names: Vec<String> = KEYS.iter().map(|k| query.name(k)).collect();
    params::known_only(&q, &names.iter().map(String::as_str).collect::<Vec<_>>()).map_err(|e| Refusal::bad(&e))?;
    let given = |key: &str| q.get(&query.name(key)).cloned();
    let flags = cli::ReplayFlags {
        window: given("window"),
        watermark_delay: given("watermark-delay"),
        watermark_interval: given("watermark-interval"),
        trigger: given("trigger"),
        allowed_lateness: given("allowed-lateness"),
        output_mode: given("output-mode")
            .map(|m| cli::choice(&query.name("output-mode"), &m))
            .transpose()
            .map_err(|e| Refusal::bad(&e))?,
    };
    let engine = given("engine").unwrap_or_else(|| "both".into());
    let settings = cli::choice::<cli::EngineChoice>(&query.name("engine"), &engine)
        .and_then(|engine| {
            let (flink, spark) = engine.runs();
            flags.settings(flink, spark, query)
        })
        .map_err(|e| Refusal::bad(&e))?;
    // The same work limit as the replay command: a trace spanning years would hold a run slot for hours.
    let rows = streamlab_sim::budget::checked_trace(&text, &settings)
        .map_err(|e| Refusal(StatusCode::BAD_REQUEST, format!("trace: {e}")))?;
    let permit = permit(&state)?;
    let csv = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        streamlab_sim::engine::replay::replay(&rows, &settings)
    })
    .await
    .map_err(|_| panicked("replay", "trace"))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}
