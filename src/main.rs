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
static GLOBAL: Allocator = Allocator;

/// mimalloc through its plain entry points. The `mimalloc` crate asks for every block through
/// `mi_malloc_aligned`, whose fast path needs a free block already at hand: when a size class's free list
/// runs dry, a size that is not a power of two (a 40-byte fetch answer, an 80-byte batch) is served by
/// over-allocating, about once per simulated record. Every block mimalloc hands out is aligned to
/// MI_MAX_ALIGN_SIZE (16 bytes, mimalloc/types.h), and a Rust layout's size is a multiple of its
/// alignment, so a layout aligned to at most 16 needs nothing more than `mi_malloc`.
struct Allocator;

/// mimalloc's `MI_MAX_ALIGN_SIZE`.
const MI_MAX_ALIGN_SIZE: usize = 16;

#[allow(unsafe_code)]
mod plain {
    use std::ffi::c_void;
    unsafe extern "C" {
        pub fn mi_malloc(size: usize) -> *mut c_void;
        pub fn mi_zalloc(size: usize) -> *mut c_void;
        pub fn mi_realloc(p: *mut c_void, size: usize) -> *mut c_void;
    }
}

// SAFETY: each call keeps GlobalAlloc's contract by delegating to mimalloc: the plain entry points for
// layouts aligned to at most MI_MAX_ALIGN_SIZE (see above), the aligned ones otherwise; mimalloc frees a
// block from either with `mi_free`.
#[allow(unsafe_code)]
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= MI_MAX_ALIGN_SIZE {
            unsafe { plain::mi_malloc(layout.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= MI_MAX_ALIGN_SIZE {
            unsafe { plain::mi_zalloc(layout.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MI_MAX_ALIGN_SIZE {
            unsafe { plain::mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

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
