//! The `streamlab` command: parses arguments, calls the libraries, prints.
#![forbid(unsafe_code)]

mod bench;
mod book;
mod cli;
mod export;
mod grader;
mod serve;
mod torture;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
