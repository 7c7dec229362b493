//! A minimal test runner (parent) and child-process launcher for `environment.rs`.

use std::ffi::OsStr;
use std::io::{Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::support::panic_message;

/// Set in a child's environment to the role it plays.
const ROLE: &str = "SINGLETON_ENV_TEST_CHILD";

/// A named test case, or a named child role.
pub type Case = (&'static str, fn());

/// In a child: plays the role named by [`ROLE`] (a panic exits with 101). In the parent:
/// runs the cases whose names contain the first non-flag argument (all without one),
/// each caught, and exits with 1 if any failed.
pub fn main(cases: &[&[Case]], children: &[&[Case]]) {
    if let Some(role) = std::env::var_os(ROLE) {
        let role = role.to_str().expect("role names are UTF-8");
        let (_, child) = children
            .iter()
            .flat_map(|group| group.iter())
            .find(|(name, _)| *name == role)
            .unwrap_or_else(|| panic!("unknown child role `{role}`"));
        child();
        return;
    }
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let selected: Vec<&Case> = cases
        .iter()
        .flat_map(|group| group.iter())
        .filter(|(name, _)| filter.as_deref().is_none_or(|f| name.contains(f)))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let mut failed = Vec::new();
    for (name, case) in selected {
        match catch_unwind(AssertUnwindSafe(case)) {
            Ok(()) => println!("test {name} ... ok"),
            Err(payload) => {
                println!("test {name} ... FAILED\n    {}", panic_message(&*payload));
                failed.push(*name);
            }
        }
    }
    if failed.is_empty() {
        println!("\ntest result: ok");
    } else {
        println!("\ntest result: FAILED: {}", failed.join(", "));
        std::process::exit(1);
    }
}

/// What a child process did.
#[derive(Debug)]
pub struct ChildRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl ChildRun {
    /// Panics with the child's output unless it exited with success.
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.status.success(),
            "child failed ({}):\n{}{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// The child's stdout lines that start with `key=`, without the key.
    pub fn values(&self, key: &str) -> Vec<&str> {
        let prefix = format!("{key}=");
        self.stdout
            .lines()
            .filter_map(|line| line.strip_prefix(prefix.as_str()))
            .collect()
    }

    /// The one value of `key` (see [`values`](Self::values)).
    pub fn value(&self, key: &str) -> &str {
        match self.values(key).as_slice() {
            [one] => one,
            other => panic!(
                "expected one `{key}=` line, found {other:?} in:\n{}",
                self.stdout
            ),
        }
    }
}

/// Runs this binary again as the child `role`, with `vars` set (`Some`) or removed
/// (`None`) in its environment only, and waits at most `limit` (then kills it and
/// panics: a deadlock fails instead of hanging).
pub fn run_child(role: &str, vars: &[(&str, Option<&OsStr>)], limit: Duration) -> ChildRun {
    let mut stdout = tempfile::tempfile().expect("temporary file for stdout");
    let mut stderr = tempfile::tempfile().expect("temporary file for stderr");
    let mut command = Command::new(std::env::current_exe().expect("path of this test binary"));
    command
        .env(ROLE, role)
        .stdin(Stdio::null())
        .stdout(stdout.try_clone().expect("clone stdout file"))
        .stderr(stderr.try_clone().expect("clone stderr file"));
    for (name, value) in vars {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let mut child = command.spawn().expect("start the child process");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("deadlock: child `{role}` did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |file: &mut std::fs::File| {
        let mut text = String::new();
        file.rewind().expect("rewind output file");
        file.read_to_string(&mut text)
            .expect("child output is UTF-8");
        text
    };
    ChildRun {
        status,
        stdout: read(&mut stdout),
        stderr: read(&mut stderr),
    }
}

/// The whole environment, sorted, byte for byte.
pub fn snapshot() -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    let mut vars: Vec<_> = std::env::vars_os().collect();
    vars.sort();
    vars
}

/// The number of threads of this process (Linux: `/proc/self/task`).
#[cfg(target_os = "linux")]
pub fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}
