//! The `streamlab` command: parses arguments, calls the libraries, prints.
#![forbid(unsafe_code)]

mod book;
mod cli;
mod grader;
mod torture;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
