//! The command line, parsed by hand: `cargo singleton-audit [OPTIONS] [PATH]`.

use std::path::PathBuf;

use singleton_audit::Level;

pub(crate) const USAGE: &str = "\
cargo singleton-audit: an inventory of a Rust codebase's global state, with the fix for each

Usage: cargo singleton-audit [OPTIONS] [PATH]
       cargo run -p singleton-audit -- [OPTIONS] [PATH]

Arguments:
  [PATH]  crate or workspace directory, or one .rs file [default: .]

Options:
      --json            print the report as JSON (schema_version 1; see the README)
      --brief           the table without replacements and reasons: one line a finding
      --deny <LEVEL>    exit with status 1 when any finding is at or above LEVEL:
                        fine, migrate or risky (double locks and lock-order
                        conflicts are risky)
      --exclude <PATH>  skip files under PATH (relative to the audited directory);
                        may be repeated
      --threads <N>     parser threads [default: one per core]
      --parse-all       also parse files with no word a finding needs (static,
                        lock(, set_var, ...; skipped by default), to check that
                        every file parses
      --stats           print files, lines, parsed files and lines/s to stderr
  -h, --help            print this help
  -V, --version         print the version

Exit status: 0 when nothing is at or above --deny, 1 when something is, 2 on a usage
or I/O error. Files that do not parse are reported, never fatal.
Silence a finding you have judged with a comment on or above it:
  // singleton-audit: allow(the reason)
";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Command {
    Help,
    Version,
    Audit(Args),
}

/// How the report is printed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Table with replacements and reasons.
    #[default]
    Table,
    /// Table, one line a finding.
    Brief,
    /// JSON.
    Json,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Args {
    pub(crate) path: Option<PathBuf>,
    pub(crate) format: Format,
    pub(crate) deny: Option<Level>,
    pub(crate) excludes: Vec<PathBuf>,
    pub(crate) threads: Option<usize>,
    pub(crate) parse_all: bool,
    pub(crate) stats: bool,
}

/// Parses the arguments after the program name. Cargo runs a subcommand as
/// `cargo-singleton-audit singleton-audit ...`: that first word is skipped when cargo
/// ran us as its subcommand (`cargo_subcommand`), or when a PATH follows it. Otherwise
/// (`cargo run -p singleton-audit -- singleton-audit`) it is the directory to audit.
pub(crate) fn parse(
    args: impl IntoIterator<Item = String>,
    cargo_subcommand: bool,
) -> Result<Command, String> {
    let args: Vec<String> = args.into_iter().collect();
    if args.first().map(String::as_str) == Some("singleton-audit") {
        let rest = parse_words(args[1..].iter().cloned());
        let path_follows = matches!(&rest, Ok(Command::Audit(a)) if a.path.is_some());
        if cargo_subcommand || path_follows {
            return rest;
        }
    }
    parse_words(args)
}

fn parse_words(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut out = Args::default();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--json" => out.format = Format::Json,
            "--brief" => out.format = Format::Brief,
            "--parse-all" => out.parse_all = true,
            "--stats" => out.stats = true,
            "--deny" => out.deny = Some(value("--deny")?.parse()?),
            "--exclude" => out.excludes.push(value("--exclude")?.into()),
            "--threads" => {
                let v = value("--threads")?;
                let n = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("`--threads` needs a positive number, not `{v}`"))?;
                out.threads = Some(n);
            }
            f if f.starts_with('-') && f != "-" => {
                return Err(format!("unknown option `{f}` (see --help)"));
            }
            _ if out.path.is_some() => {
                return Err(format!(
                    "only one PATH is accepted; `{arg}` is a second one"
                ));
            }
            _ => out.path = Some(arg.into()),
        }
    }
    Ok(Command::Audit(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Command, String> {
        parse(words.split_whitespace().map(String::from), false)
    }

    fn words(words: &str) -> Vec<String> {
        words.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn the_subcommand_word_alone_is_a_path_unless_cargo_ran_us() {
        let path_of = |c: Result<Command, String>| match c {
            Ok(Command::Audit(a)) => a.path,
            _ => None,
        };
        // `cargo run -p singleton-audit -- singleton-audit --deny migrate`: the directory.
        let alone = words("singleton-audit --deny migrate");
        assert_eq!(
            path_of(parse(alone.clone(), false)),
            Some("singleton-audit".into())
        );
        // `cargo singleton-audit --deny migrate`: cargo's word, the default path.
        assert_eq!(path_of(parse(alone, true)), None);
        // `cargo singleton-audit singleton-audit`: the second one is the directory.
        let twice = words("singleton-audit singleton-audit");
        assert_eq!(path_of(parse(twice, true)), Some("singleton-audit".into()));
        // The word then a PATH, under any runner: cargo's word.
        let then_path = words("singleton-audit --json src");
        assert_eq!(path_of(parse(then_path, false)), Some("src".into()));
    }

    #[test]
    fn cargo_subcommand_word_is_skipped_and_options_parse() {
        let got = parse_words("singleton-audit --json --deny=migrate --exclude a --exclude b src");
        assert_eq!(
            got,
            Ok(Command::Audit(Args {
                path: Some("src".into()),
                format: Format::Json,
                deny: Some(Level::Migrate),
                excludes: vec!["a".into(), "b".into()],
                threads: None,
                parse_all: false,
                stats: false,
            }))
        );
        assert_eq!(
            parse_words("--threads 2").map(|c| match c {
                Command::Audit(a) => a.threads,
                _ => None,
            }),
            Ok(Some(2))
        );
        assert_eq!(parse_words("-h"), Ok(Command::Help));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            parse_words("--deny severe"),
            Err("unknown level `severe`: expected `fine`, `migrate` or `risky`".into())
        );
        assert_eq!(parse_words("--deny"), Err("`--deny` needs a value".into()));
        assert_eq!(
            parse_words("--frobnicate"),
            Err("unknown option `--frobnicate` (see --help)".into())
        );
        assert_eq!(
            parse_words("a b"),
            Err("only one PATH is accepted; `b` is a second one".into())
        );
        assert!(parse_words("--threads 0").is_err());
    }
}
