//! The Gradescope autograder in one zip: setup.sh installs the Rust toolchain and bubblewrap,
//! run_autograder grades the submission with the secret, and the command itself is inside.

use super::concept::{SEALED, SealedKey};
use anyhow::{Context, Result, bail};
use std::path::Path;

const SETUP: &str = r#"#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image: the toolchain that compiles the
# students' code, and bubblewrap, the sandbox it runs in.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap build-essential curl ca-certificates
curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain stable
chmod +x /autograder/source/streamlab
"#;

const RUN: &str = r#"#!/usr/bin/env bash
# Gradescope runs this for every submission. The secret never reaches the students' code: it selects
# the inputs in the grader's process only.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
cd /autograder/source
STREAMLAB_SECRET="$(cat secret)"
export STREAMLAB_SECRET
submission=/autograder/submission
if [ -d "$submission/exercises" ]; then submission="$submission/exercises"; fi
./streamlab grade --exercises "$submission" --instructor instructor \
  --gradescope-metadata /autograder/submission_metadata.json \
  --format gradescope --out /autograder/results/results.json
"#;

/// Writes the autograder zip: setup.sh, run_autograder, this command, the secret and the sealed concept
/// key (never the plain one).
pub fn package(zip: &Path, secret_file: &Path, instructor: &Path) -> Result<()> {
    let secret = std::fs::read(secret_file)
        .with_context(|| format!("--secret-file {} cannot be read", secret_file.display()))?;
    let reseal = format!(
        "run `streamlab grade --seal-concepts PLAIN --secret-file {}` first (PLAIN: your plain concept key)",
        secret_file.display()
    );
    let sealed = SealedKey::load(instructor)?
        .ok_or_else(|| anyhow::anyhow!("{} has no {SEALED}: {reseal}", instructor.display()))?;
    if !sealed.sealed_with(String::from_utf8_lossy(&secret).trim().as_bytes()) {
        bail!("{} was sealed with another secret: {reseal}", instructor.join(SEALED).display());
    }
    let key = sealed.to_toml().into_bytes();
    let exe = std::env::current_exe().context("finding this command's own binary")?;
    let binary = std::fs::read(&exe).with_context(|| format!("reading {}", exe.display()))?;
    let entries: [(&str, &[u8], u32); 5] = [
        ("setup.sh", SETUP.as_bytes(), 0o755),
        ("run_autograder", RUN.as_bytes(), 0o755),
        ("streamlab", &binary, 0o755),
        ("secret", &secret, 0o600),
        ("instructor/concepts.sealed.toml", &key, 0o644),
    ];
    std::fs::write(zip, stored_zip(&entries)).with_context(|| format!("writing {}", zip.display()))?;
    println!(
        "{}: upload it as the autograder (Gradescope: Configure Autograder, zip file). It holds the secret: keep it \
         out of the repository. The command inside was built on this machine: build it on a Linux with a glibc \
         no newer than the autograder image's (Ubuntu 22.04: 2.35).",
        zip.display()
    );
    Ok(())
}

/// The student id from Gradescope's submission_metadata.json: the first submitter's student id (`sid`),
/// else their email.
pub fn student_id(metadata: &Path) -> Result<String> {
    let text = std::fs::read_to_string(metadata).with_context(|| format!("{} cannot be read", metadata.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", metadata.display()))?;
    let user = &v["users"][0];
    for field in ["sid", "email"] {
        if let Some(id) = user[field].as_str().filter(|s| !s.trim().is_empty()) {
            return Ok(id.trim().to_string());
        }
    }
    bail!("{} names no submitter (users[0].sid or users[0].email)", metadata.display())
}

/// A zip archive with the entries stored uncompressed (APPNOTE 6.3: local headers, central directory,
/// end record), each with its Unix mode.
fn stored_zip(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    let u16le = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let u32le = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for (name, data, mode) in entries {
        let (crc, size, offset) = (crc32(data), data.len() as u32, out.len() as u32);
        // Local file header: version 2.0, no flags, stored, DOS time 0.
        u32le(&mut out, 0x0403_4b50);
        for x in [20, 0, 0, 0, 0x21] {
            u16le(&mut out, x);
        }
        for x in [crc, size, size] {
            u32le(&mut out, x);
        }
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Central directory entry: made by Unix (3), the mode in the high half of the external attributes.
        u32le(&mut central, 0x0201_4b50);
        for x in [0x0314, 20, 0, 0, 0, 0x21] {
            u16le(&mut central, x);
        }
        for x in [crc, size, size] {
            u32le(&mut central, x);
        }
        for x in [name.len() as u16, 0, 0, 0, 0] {
            u16le(&mut central, x);
        }
        u32le(&mut central, (0o100_000 | mode) << 16);
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let (dir_offset, dir_size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    for x in [0, 0, entries.len() as u16, entries.len() as u16] {
        u16le(&mut out, x);
    }
    u32le(&mut out, dir_size);
    u32le(&mut out, dir_offset);
    u16le(&mut out, 0);
    out
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zip requires.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
