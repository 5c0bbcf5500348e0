//! Running students' code: inside bubblewrap, with only a scratch copy of the exercise and the
//! toolchain visible, no network, its own PID namespace (every process dies with the check) and
//! limits on CPU time, memory, file size and process count, for the compile step too.

use anyhow::{Result, bail};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What one step may use.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub cpu_s: u64,
    /// Address space, which bounds memory.
    pub memory_mib: u64,
    /// The largest file a process may write.
    pub file_mib: u64,
    /// Processes and threads.
    pub processes: u64,
    /// Wall-clock deadline: CPU time does not count sleeping or blocking.
    pub wall: Duration,
    /// Whether the step may write into its scratch folder (the compiler must; the checks never do).
    pub writable: bool,
}

/// Compiling a student's file: rustc and the linker need room and threads.
pub const COMPILE: Limits =
    Limits { cpu_s: 60, memory_mib: 3072, file_mib: 64, processes: 64, wall: Duration::from_secs(120), writable: true };

/// Running one check: a single-threaded harness.
pub const CHECK: Limits =
    Limits { cpu_s: 10, memory_mib: 1024, file_mib: 16, processes: 8, wall: Duration::from_secs(20), writable: false };

pub enum Sandbox {
    Bubblewrap {
        bwrap: PathBuf,
        sysroot: PathBuf,
    },
    /// The student's code runs with the grader's rights.
    Unsandboxed {
        sysroot: PathBuf,
    },
}

/// Where the scratch folder appears inside the sandbox.
const SCRATCH: &str = "/work";
/// Where the Rust toolchain appears inside the sandbox.
const TOOLCHAIN: &str = "/toolchain";

pub const UNSANDBOXED_RISK: &str = "student code then runs with your rights: it can read, change and delete your files, use the network, and leave processes running after grading";

/// How one step ended.
pub struct Outcome {
    pub in_time: bool,
    pub success: bool,
    /// Stopped by a limit: CPU time (SIGXCPU) or file size (SIGXFSZ).
    pub limit: Option<&'static str>,
    pub stdout: String,
    pub stderr: String,
}

impl Sandbox {
    /// Bubblewrap when it is installed and works; without it, only with `unsandboxed`.
    pub fn detect(unsandboxed: bool) -> Result<Sandbox> {
        let sysroot = sysroot()?;
        if unsandboxed {
            return Ok(Sandbox::Unsandboxed { sysroot });
        }
        if Command::new("bwrap").arg("--version").output().is_err() {
            bail!(
                "bubblewrap (`bwrap`) is not installed, and grading runs student code inside it: install it \
                 (`apt-get install bubblewrap`), or pass --unsandboxed to grade without it ({UNSANDBOXED_RISK})"
            );
        }
        // A sandbox that cannot start (no user namespaces, say) would fail every exercise: try one now.
        let sandbox = Sandbox::Bubblewrap { bwrap: "bwrap".into(), sysroot };
        let dir = std::env::temp_dir().join(format!("streamlab-probe-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let probe = sandbox.run(&dir, &["true"], "", &CHECK);
        let _ = std::fs::remove_dir_all(&dir);
        match probe {
            Ok(o) if o.success => Ok(sandbox),
            Ok(o) => bail!(
                "bubblewrap cannot start a sandbox here ({}): allow unprivileged user namespaces or run as root, \
                 or pass --unsandboxed ({UNSANDBOXED_RISK})",
                o.stderr.trim()
            ),
            Err(e) => bail!("bubblewrap cannot be started: {e}"),
        }
    }

    /// The compiler, as the step sees it.
    pub fn rustc(&self) -> PathBuf {
        match self {
            Sandbox::Bubblewrap { .. } => Path::new(TOOLCHAIN).join("bin/rustc"),
            Sandbox::Unsandboxed { sysroot } => sysroot.join("bin/rustc"),
        }
    }

    /// Runs `program` in `scratch` with `stdin` as its input, under `limits`.
    pub fn run(&self, scratch: &Path, program: &[&str], stdin: &str, limits: &Limits) -> std::io::Result<Outcome> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let io = std::env::temp_dir().join(format!("streamlab-io-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&io)?;
        std::fs::write(io.join("stdin"), stdin)?;
        let mut cmd = match self {
            Sandbox::Bubblewrap { bwrap, sysroot } => {
                bubblewrap(bwrap, sysroot, scratch, program, limits, n, &io.join("status"))?
            }
            Sandbox::Unsandboxed { sysroot } => {
                let mut c = Command::new("sh");
                // A clean environment: the secret may be in the grader's ($STREAMLAB_SECRET).
                c.current_dir(scratch).env_clear().env("PATH", path_with(sysroot)).args([
                    "-c",
                    &format!(
                        "ulimit -H -t {}; ulimit -S -t {}; ulimit -v {}; ulimit -f {}; exec \"$@\"",
                        limits.cpu_s + 1,
                        limits.cpu_s,
                        limits.memory_mib * 1024,
                        limits.file_mib * 2048
                    ),
                    "sh",
                ]);
                c.args(program);
                c
            }
        };
        cmd.stdin(File::open(io.join("stdin"))?)
            .stdout(File::create(io.join("stdout"))?)
            .stderr(File::create(io.join("stderr"))?);
        let mut child = cmd.spawn()?;
        let start = Instant::now();
        let (in_time, success, limit) = loop {
            if let Some(status) = child.try_wait()? {
                break (true, status.success(), limit_hit(status));
            }
            if start.elapsed() > limits.wall {
                // Killing bwrap kills the sandbox's PID 1 (--die-with-parent) and with it every process inside.
                let _ = child.kill();
                let _ = child.wait();
                break (false, false, None);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let read = |name: &str| {
            let bytes = std::fs::read(io.join(name)).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        if let Some(init) = sandbox_init(&read("status")) {
            wait_until_gone(init);
        }
        let outcome = Outcome { in_time, success, limit, stdout: read("stdout"), stderr: read("stderr") };
        let _ = std::fs::remove_dir_all(&io);
        Ok(outcome)
    }
}

/// The sandbox's PID 1, as bwrap's --json-status-fd reports it: `{ "child-pid": 12133, ... }`.
fn sandbox_init(status: &str) -> Option<u32> {
    let rest = status.split("\"child-pid\":").nth(1)?;
    rest.trim_start().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// bwrap may exit as soon as the student's process does; the sandbox's PID 1 then exits and the kernel
/// kills everything left in the namespace. Waits (at most 5 s) until that is done: when PID 1 is gone
/// or a zombie, no process of the step remains.
fn wait_until_gone(pid: u32) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) if !stat.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z')) => {
                std::thread::sleep(Duration::from_millis(2))
            }
            _ => return,
        }
    }
}

/// The limit whose signal ended the step: the signal itself, or bwrap's exit code 128 + signal.
fn limit_hit(status: std::process::ExitStatus) -> Option<&'static str> {
    use std::os::unix::process::ExitStatusExt;
    const SIGXCPU: i32 = 24;
    const SIGXFSZ: i32 = 25;
    match status.signal().or(status.code().map(|c| c - 128)) {
        Some(SIGXCPU) => Some("CPU time"),
        Some(SIGXFSZ) => Some("file size"),
        _ => None,
    }
}

/// The bubblewrap command line. As root, the step runs as an unprivileged uid of its own (so the process
/// limit holds: the kernel does not apply it to root); otherwise in a user namespace.
fn bubblewrap(
    bwrap: &Path,
    sysroot: &Path,
    scratch: &Path,
    program: &[&str],
    limits: &Limits,
    n: u64,
    status: &Path,
) -> std::io::Result<Command> {
    let s = |p: &Path| p.to_string_lossy().into_owned();
    // sh opens fd 3 on the status file for bwrap's --json-status-fd, then becomes bwrap.
    let mut c = Command::new("sh");
    c.args(["-c", "f=$1; shift; exec \"$@\" 3>\"$f\"", "sh", &s(status), &s(bwrap), "--json-status-fd", "3"]);
    c.args(["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"])
        .args(["--die-with-parent", "--new-session"])
        .args(["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64"])
        .args(["--symlink", "usr/bin", "/bin", "--perms", "0755", "--dir", "/etc"])
        // cc is /usr/bin/cc -> /etc/alternatives/cc on Debian and Ubuntu.
        .args(["--ro-bind-try", "/etc/alternatives", "/etc/alternatives"])
        .args(["--ro-bind", &s(sysroot), TOOLCHAIN])
        // /dev holds only /dev/null: no /dev/zero or /dev/urandom for include_bytes! to swallow.
        .args(["--perms", "0755", "--dir", "/dev", "--dev-bind", "/dev/null", "/dev/null", "--proc", "/proc"])
        .args([if limits.writable { "--bind" } else { "--ro-bind" }, &s(scratch), SCRATCH])
        .args(["--chdir", SCRATCH, "--clearenv"])
        .args(["--setenv", "PATH", &format!("{TOOLCHAIN}/bin:/usr/bin"), "--setenv", "TMPDIR", SCRATCH]);
    let root = is_root();
    if root {
        let uid = 61_000 + n % 1000;
        std::os::unix::fs::chown(scratch, Some(uid as u32), Some(uid as u32))?;
        c.args(["--", "setpriv", &format!("--reuid={uid}"), &format!("--regid={uid}"), "--clear-groups"])
            .args(["--bounding-set=-all", "--no-new-privs"]);
    } else {
        c.args(["--unshare-user", "--cap-drop", "ALL", "--"]);
    }
    c.args([
        "prlimit",
        // The soft limit sends SIGXCPU, which names the cause; a hard limit equal to it would SIGKILL first.
        &format!("--cpu={}:{}", limits.cpu_s, limits.cpu_s + 1),
        &format!("--as={}", limits.memory_mib << 20),
        &format!("--fsize={}", limits.file_mib << 20),
        &format!("--nproc={}", limits.processes),
        "--core=0",
    ])
    .args(program);
    Ok(c)
}

/// /proc/self belongs to the process's effective user.
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The active Rust toolchain's folder (`rustc --print sysroot`), which the sandbox shows at /toolchain.
fn sysroot() -> Result<PathBuf> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    match Command::new(&rustc).args(["--print", "sysroot"]).output() {
        Ok(o) if o.status.success() => Ok(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())),
        _ => {
            bail!("`{rustc} --print sysroot` failed: grading compiles Rust, install the toolchain (https://rustup.rs)")
        }
    }
}

fn path_with(sysroot: &Path) -> String {
    let bin = sysroot.join("bin");
    match std::env::var("PATH") {
        Ok(p) => format!("{}:{p}", bin.display()),
        Err(_) => bin.display().to_string(),
    }
}
