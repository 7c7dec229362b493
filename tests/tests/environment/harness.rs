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
pub(crate) type Case = (&'static str, fn());

/// In a child: plays the role named by [`ROLE`] (a panic exits with 101). In the parent:
/// runs the cases selected by the libtest command line (see [`Args`]), each caught, and
/// exits with 1 if any failed.
pub(crate) fn main(cases: &[&[Case]], children: &[&[Case]]) {
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
    let args = Args::parse(std::env::args().skip(1));
    let selected: Vec<&Case> = cases
        .iter()
        .flat_map(|group| group.iter())
        .filter(|(name, _)| args.selects(name))
        .collect();
    if args.mode == Mode::Help {
        println!(
            "Usage: {} [OPTIONS] [FILTERS...]\n\nThis test binary's own runner \
             (harness = false) takes the libtest options that choose the cases: --list, \
             --format terse, -q, --exact, --skip FILTER, --ignored, --include-ignored, \
             --bench; others are accepted and ignored.",
            std::env::args().next().unwrap_or_default()
        );
        return;
    }
    if args.mode == Mode::List {
        for (name, _) in &selected {
            println!("{name}: test");
        }
        if !args.terse {
            println!("\n{}, 0 benchmarks", tests(selected.len()));
        }
        return;
    }
    println!("\nrunning {}", tests(selected.len()));
    let mut failed = Vec::new();
    for (name, case) in selected {
        if args.mode == Mode::Bench {
            println!("test {name} ... ignored");
            continue;
        }
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

/// "1 test", "2 tests".
fn tests(n: usize) -> String {
    if n == 1 {
        "1 test".to_owned()
    } else {
        format!("{n} tests")
    }
}

/// The parts of libtest's command line that decide which cases run (what `cargo test`,
/// `cargo bench`, IDEs and `cargo nextest` pass); the others (`--nocapture`,
/// `--test-threads`, `--color`, ...) are accepted and change nothing here.
#[derive(Default)]
struct Args {
    /// Names to run (any of them, as substrings; all cases without one).
    filters: Vec<String>,
    /// Names to leave out (`--skip`, repeatable).
    skip: Vec<String>,
    /// `--exact`: filters and skips are whole names.
    exact: bool,
    /// `--format terse` or `-q`.
    terse: bool,
    /// `--ignored`: only `#[ignore]`d tests, of which this binary has none.
    ignored: bool,
    mode: Mode,
}

#[derive(Default, PartialEq, Eq)]
enum Mode {
    /// Run the selected cases.
    #[default]
    Run,
    /// `--list`: print their names, run nothing.
    List,
    /// `--bench` (`cargo bench`): report them as ignored, run nothing.
    Bench,
    /// `-h`, `--help`: print the usage, run nothing.
    Help,
}

impl Args {
    /// libtest options that take a value (`--opt value` or `--opt=value`).
    const WITH_VALUE: &[&str] = &[
        "--color",
        "--format",
        "--logfile",
        "--report-time",
        "--shuffle-seed",
        "--skip",
        "--test-threads",
        "-Z",
    ];

    fn parse(args: impl IntoIterator<Item = String>) -> Self {
        let mut parsed = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if !arg.starts_with('-') {
                parsed.filters.push(arg);
                continue;
            }
            let (option, inline) = match arg.split_once('=') {
                Some((option, value)) => (option.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            let value = if Self::WITH_VALUE.contains(&option.as_str()) {
                // `--report-time` takes its value only in the `=` form.
                inline.or_else(|| (option != "--report-time").then(|| args.next()).flatten())
            } else {
                None
            };
            match option.as_str() {
                "--list" if parsed.mode != Mode::Help => parsed.mode = Mode::List,
                "--exact" => parsed.exact = true,
                "-h" | "--help" => parsed.mode = Mode::Help,
                "--ignored" => parsed.ignored = true,
                "--bench" if parsed.mode == Mode::Run => parsed.mode = Mode::Bench,
                "-q" | "--quiet" => parsed.terse = true,
                "--format" => parsed.terse |= value.as_deref() == Some("terse"),
                "--skip" => parsed.skip.extend(value),
                _ => {}
            }
        }
        parsed
    }

    fn selects(&self, name: &str) -> bool {
        let matches = |pattern: &String| {
            if self.exact {
                name == pattern
            } else {
                name.contains(pattern.as_str())
            }
        };
        !self.ignored
            && (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skip.iter().any(matches)
    }
}

/// What a child process did.
#[derive(Debug)]
pub(crate) struct ChildRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl ChildRun {
    /// Panics with the child's output unless it exited with success.
    pub(crate) fn assert_success(&self) -> &Self {
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
    pub(crate) fn values(&self, key: &str) -> Vec<&str> {
        let prefix = format!("{key}=");
        self.stdout
            .lines()
            .filter_map(|line| line.strip_prefix(prefix.as_str()))
            .collect()
    }

    /// The one value of `key` (see [`values`](Self::values)).
    pub(crate) fn value(&self, key: &str) -> &str {
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
pub(crate) fn run_child(role: &str, vars: &[(&str, Option<&OsStr>)], limit: Duration) -> ChildRun {
    let mut command = Command::new(std::env::current_exe().expect("path of this test binary"));
    command.env(ROLE, role);
    for (name, value) in vars {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    run(command, &format!("child `{role}`"), limit)
}

/// Runs this binary again as a test runner (not a child role) with the command-line
/// arguments `args`, within `limit`.
pub(crate) fn run_runner(args: &[&str], limit: Duration) -> ChildRun {
    let mut command = Command::new(std::env::current_exe().expect("path of this test binary"));
    command.env_remove(ROLE).args(args);
    run(command, &format!("runner {args:?}"), limit)
}

/// Runs `command` to its end, with its output captured, within `limit`.
fn run(mut command: Command, what: &str, limit: Duration) -> ChildRun {
    let mut stdout = tempfile::tempfile().expect("temporary file for stdout");
    let mut stderr = tempfile::tempfile().expect("temporary file for stderr");
    command
        .stdin(Stdio::null())
        .stdout(stdout.try_clone().expect("clone stdout file"))
        .stderr(stderr.try_clone().expect("clone stderr file"));
    let mut child = command.spawn().expect("start the child process");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("deadlock: {what} did not finish within {limit:?}");
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
pub(crate) fn snapshot() -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    let mut vars: Vec<_> = std::env::vars_os().collect();
    vars.sort();
    vars
}

/// The number of threads of this process (Linux: `/proc/self/task`).
#[cfg(target_os = "linux")]
pub(crate) fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}
