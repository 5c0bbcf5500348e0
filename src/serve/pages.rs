//! The pages: the list of live labs, a live lab per built-in scenario, the replay view, and the built
//! course site's files.

use super::{AppState, assets, params};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use streamlab_labs::scenarios;
use streamlab_sim::Scenario;
use streamlab_sim::scenario::{Acks, EngineKind, Fault};

/// A live lab's description, {kk, en}: what its page says it runs.
fn description(name: &str) -> serde_json::Value {
    static KK: std::sync::LazyLock<toml::Table> = std::sync::LazyLock::new(|| {
        let all: toml::Table = toml::from_str(assets::DESCRIPTIONS_KK).expect("the Kazakh descriptions parse");
        all["kk"].as_table().cloned().expect("a [kk] table")
    });
    let en = scenarios::description(scenarios::find(name).unwrap_or_default());
    let kk = KK.get(name).and_then(toml::Value::as_str).map_or_else(|| en.clone(), str::to_string);
    serde_json::json!({ "kk": kk, "en": en })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Scenarios with a live page: every built-in one but the benchmark models, too large to watch.
fn live(name: &str) -> bool {
    !scenarios::BENCH_MODELS.contains(&name) && scenarios::find(name).is_some()
}

/// The names of the scenarios with a live page (the book links its charts to them).
pub fn live_names() -> Vec<&'static str> {
    scenarios::BUILTIN.iter().map(|(n, _)| *n).filter(|n| live(n)).collect()
}

pub async fn lab_index() -> Html<String> {
    // Both languages; the page shows its own.
    let items: String = live_names()
        .into_iter()
        .map(|n| {
            let d = description(n);
            let span = |lang: &str| format!("<span lang=\"{lang}\">{}</span>", escape(d[lang].as_str().unwrap_or("")));
            format!("<li><a href=\"/lab/{n}\">{n}</a> {}{}</li>\n", span("kk"), span("en"))
        })
        .collect();
    Html(assets::INDEX_HTML.replace("{{ITEMS}}", &items))
}

/// What the page needs to draw its controls: the base scenario's values and which engines run.
fn page_config(name: &str, s: &Scenario) -> serde_json::Value {
    let p = &s.producers[0];
    let engines = |k: EngineKind| s.pipeline.is_some() && s.engines.contains(&k);
    let window_ms = s.pipeline.as_ref().and_then(|p| p.window.length_ms());
    serde_json::json!({
        "name": name,
        "description": description(name),
        "brokers": s.cluster.brokers,
        "flink": engines(EngineKind::Flink),
        "spark": engines(EngineKind::Spark),
        "faults": s.faults.iter().map(fault_mark).collect::<Vec<_>>(),
        "defaults": {
            "seed": s.run.seed,
            "duration_ms": s.run.duration_ms,
            "partitions": s.topic.partitions,
            "producers": p.count,
            "acks": match p.acks { Acks::None => "0", Acks::Leader => "1", Acks::All => "all" },
            "min_insync": s.cluster.min_insync_replicas,
            "linger_ms": p.linger_ms,
            "consumers": s.consumer_group.members,
            "trigger_ms": s.spark.trigger_ms,
            "watermark_delay_ms": s.flink.watermark_delay_ms,
            "window_ms": window_ms,
            "allowed_lateness_ms": s.flink.allowed_lateness_ms,
            "checkpoint_ms": s.flink.checkpoint_interval_ms,
        },
    })
}

/// A fault of the scenario as the charts mark it: its kind, time and what it hits.
fn fault_mark(f: &Fault) -> serde_json::Value {
    let (kind, target) = match f {
        Fault::BrokerCrash { broker, .. } => ("broker_crash", broker.to_string()),
        Fault::BrokerRestart { broker, .. } => ("broker_restart", broker.to_string()),
        Fault::ConsumerCrash { member, .. } => ("consumer_crash", member.to_string()),
        Fault::ConsumerRestart { member, .. } => ("consumer_restart", member.to_string()),
        Fault::EngineFailure { engine, .. } => ("engine_failure", format!("{engine:?}")),
        Fault::NetworkSpike { .. } => ("network_spike", String::new()),
    };
    serde_json::json!({ "kind": kind, "at_ms": f.at_ms(), "target": target })
}

/// Why `name` has no live page: a benchmark model runs with `streamlab bench`; any other is unknown.
fn no_page(name: &str) -> String {
    if scenarios::BENCH_MODELS.contains(&name) {
        format!("`{name}` is a benchmark model with no live page: run it with `streamlab bench --model {name}`")
    } else {
        format!("no live page named `{name}`")
    }
}

pub async fn lab(Path(name): Path<String>) -> Response {
    if !live(&name) {
        return (
            StatusCode::NOT_FOUND,
            Html(format!(
                "<p>{}</p><p><a href=\"/lab\">/lab</a></p>",
                escape(&format!("{}; live pages: {}", no_page(&name), live_names().join(", ")))
            )),
        )
            .into_response();
    }
    let s = params::scenario(&name, &Default::default()).expect("built-in scenarios are valid");
    // `</` cannot occur in the JSON of a built-in scenario's description, so it cannot end the script.
    let config = page_config(&name, &s).to_string().replace("</", "<\\/");
    Html(assets::LAB_HTML.replace("{{NAME}}", &escape(&name)).replace("{{CONFIG}}", &config)).into_response()
}

pub async fn replay() -> Html<&'static str> {
    Html(assets::REPLAY_HTML)
}

/// A file of the built course site; folders answer their index.html.
pub async fn site_file(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    let rel = uri.path().trim_start_matches('/');
    if rel.split('/').any(|seg| seg == ".." || seg.starts_with('.') && !seg.is_empty()) {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let mut path = state.site.join(rel);
    if path.is_dir() {
        if !uri.path().ends_with('/') {
            return Redirect::permanent(&format!("{}/", uri.path())).into_response();
        }
        path = path.join("index.html");
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response(),
        Err(_) if state.site_building.load(Ordering::SeqCst) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html("<p>The course site is being built (about a minute); reload then. The live labs work already: <a href=\"/lab\">/lab</a>.</p>"),
        )
            .into_response(),
        Err(_) if rel.is_empty() => Redirect::temporary("/lab").into_response(),
        Err(_) => (StatusCode::NOT_FOUND, format!("not found: /{rel}\n")).into_response(),
    }
}

fn content_type(path: &std::path::Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "ico" => "image/x-icon",
        "md" | "txt" | "csv" | "toml" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
