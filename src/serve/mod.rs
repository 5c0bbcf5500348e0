//! `streamlab serve`: the course site and a live lab per scenario, on one local HTTP server. Runs are
//! simulated on tokio's blocking pool and stream their progress to the page as server-sent events.

mod api;
mod assets;
mod pages;
mod params;
#[cfg(test)]
mod tests;

use anyhow::{Context, Result};
use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Semaphore;

/// What one server allows, so that a class hammering it gets clear answers instead of a stalled machine.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Runs simulated at once; one more answers 429.
    pub max_runs: usize,
    /// Largest scenario or trace body; larger answers 413.
    pub max_body_bytes: usize,
    /// `run.max_events` is lowered to this: a run past it stops with the simulator's message.
    pub max_events: u64,
    /// Progress events one run streams, at most.
    pub max_progress_events: u64,
}

impl Limits {
    pub fn with_max_runs(max_runs: Option<usize>) -> Limits {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            max_runs: max_runs.unwrap_or(cores).max(1),
            max_body_bytes: 64 * 1024,
            max_events: 50_000_000,
            max_progress_events: 600,
        }
    }
}

/// Shared by every request.
pub struct AppState {
    site: PathBuf,
    /// True while the course site is being built in the background.
    site_building: AtomicBool,
    runs: Arc<Semaphore>,
    limits: Limits,
}

/// Every route; the handlers are tested in-process on this router.
pub fn router(site: &Path, limits: Limits) -> (Router, Arc<AppState>) {
    let state = Arc::new(AppState {
        site: site.to_path_buf(),
        site_building: AtomicBool::new(false),
        runs: Arc::new(Semaphore::new(limits.max_runs)),
        limits,
    });
    let app = Router::new()
        .route("/api/health", get(api::health))
        .route("/api/run", post(api::run))
        .route("/api/replay", post(api::replay))
        .route("/api/scenario/{name}", get(api::scenario))
        .route("/lab", get(pages::lab_index))
        .route("/lab/", get(pages::lab_index))
        .route("/lab/{name}", get(pages::lab))
        .route("/replay", get(pages::replay))
        .route("/assets/{file}", get(assets::asset))
        .fallback(get(pages::site_file).fallback(api::method_not_allowed))
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(state.clone());
    (app, state)
}

/// Binds, prints the address as the first line on stdout, builds the site in the background when it is
/// missing, and serves until the process is stopped.
pub fn serve(addr: SocketAddr, site: &Path, open: bool, limits: Limits) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_io().build().context("starting tokio")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| crate::cli::bad(format!("cannot listen on {addr}: {e}; choose another --port or --bind")))?;
        let url = format!("http://{}", listener.local_addr()?);
        println!("{url}");
        println!("live labs: {url}/lab   course site: {url}/");
        let (app, state) = router(site, limits);
        if !site.join("index.html").exists() {
            build_site_in_background(state);
        }
        if open {
            open_browser(&format!("{url}/lab"));
        }
        axum::serve(listener, app).await.context("serving")
    })
}

/// `streamlab book` into the site folder, on the blocking pool: the live labs answer meanwhile.
fn build_site_in_background(state: Arc<AppState>) {
    state.site_building.store(true, Ordering::SeqCst);
    println!("building the course site into {} (the live labs work meanwhile)", state.site.display());
    tokio::task::spawn_blocking(move || {
        if let Err(e) = crate::cli::build_book(Path::new("book"), &state.site, None) {
            eprintln!("error: the course site could not be built: {e:#}");
        }
        state.site_building.store(false, Ordering::SeqCst);
    });
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("could not open a browser ({opener}: {e}); open {url} yourself");
    }
}
