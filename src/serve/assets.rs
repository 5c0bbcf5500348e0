//! The front end: plain HTML, CSS and JavaScript compiled into the binary, drawing with SVG; nothing is
//! fetched from elsewhere, so the live labs work offline.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub const INDEX_HTML: &str = include_str!("assets/index.html");
pub const LAB_HTML: &str = include_str!("assets/lab.html");
pub const REPLAY_HTML: &str = include_str!("assets/replay.html");
/// The replay view's teaching trace: two keys, out-of-order records, two of them late for a 5 s delay.
pub const TRACE_CSV: &str = include_str!("assets/trace.csv");
/// The live labs' scenario descriptions in Kazakh (the English ones are the scenario files' comments).
pub const DESCRIPTIONS_KK: &str = include_str!("assets/descriptions.kk.toml");

/// (file name, content type, text) of every file under /assets/.
const FILES: &[(&str, &str, &str)] = &[
    ("style.css", "text/css; charset=utf-8", include_str!("assets/style.css")),
    ("common.js", "text/javascript; charset=utf-8", include_str!("assets/common.js")),
    ("lab.js", "text/javascript; charset=utf-8", include_str!("assets/lab.js")),
    ("replay.js", "text/javascript; charset=utf-8", include_str!("assets/replay.js")),
    ("trace.csv", "text/plain; charset=utf-8", TRACE_CSV),
];

pub async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, text)) => ([(header::CONTENT_TYPE, *kind)], *text).into_response(),
        None => (StatusCode::NOT_FOUND, format!("no asset `{file}`\n")).into_response(),
    }
}
