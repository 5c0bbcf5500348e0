//! The `streamlab` command: parses arguments, calls the libraries, prints.
#![deny(unsafe_code)]

mod bench;
mod book;
mod cli;
mod export;
mod grader;
mod serve;
mod torture;

use std::process::ExitCode;

/// A run allocates and frees a few small objects per record (batches, requests, fetch answers):
/// mimalloc's per-thread free lists take 2-7% less CPU than the system allocator on them. Built with
/// `no_thp`: madvised huge pages made every arena fault in 2 MiB at a time (26 MB peak for `bench`
/// instead of 12 MB, the system allocator's 14 MB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}

/// By default mimalloc gives freed pages back to the system a second after the free, and a run that
/// allocates again faults them in anew: `lab all` took 6 % more CPU, 45 000 more page faults and twice the
/// system time. A command that ends when its runs end keeps them (the live lab, which serves for hours,
/// does not call this); a run that sets `MIMALLOC_PURGE_DELAY` itself keeps its setting. Called before
/// any other thread starts.
#[allow(unsafe_code)]
fn keep_freed_pages() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // mimalloc.h (v3), enum mi_option_e: mi_option_purge_delay, in ms; -1 never purges.
    const MI_OPTION_PURGE_DELAY: i32 = 15;
    unsafe extern "C" {
        fn mi_option_set(option: i32, value: std::ffi::c_long);
    }
    // SAFETY: the option is a plain setting read at each purge; no other thread runs yet.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}
