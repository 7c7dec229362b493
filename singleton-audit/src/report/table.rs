//! The human report: findings grouped by level (risky first), then double locks,
//! lock-order conflicts, files that did not parse, and the summary line.

use std::fmt::Write as _;

use super::place;
use crate::model::{Finding, Level, Report};

/// The report as a table grouped by verdict, ending with the summary line; with
/// `reasons`, each finding is followed by its replacement and reason.
///
/// # Examples
///
/// ```
/// let report = singleton_audit::Report::default();
/// assert!(singleton_audit::report::table(&report, true).ends_with("0 double locks\n"));
/// ```
pub fn table(report: &Report, reasons: bool) -> String {
    let mut out = String::new();
    for level in [Level::Risky, Level::Migrate, Level::Fine] {
        let group: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| Report::level_of(f) == level)
            .collect();
        if group.is_empty() {
            continue;
        }
        let title = match level {
            Level::Risky => "RISKY",
            Level::Migrate => "MIGRATE",
            Level::Fine => "FINE",
        };
        let _ = writeln!(out, "{title} ({})", group.len());
        for f in group {
            let _ = writeln!(out, "  {}", finding_line(f));
            if !reasons {
                continue;
            }
            let advice = match (&f.allowed, f.verdict.replacement) {
                (Some(reason), _) => format!("allowed: {reason}"),
                (None, Some(replacement)) => {
                    format!("-> {replacement}: {}", f.verdict.reason)
                }
                (None, None) => format!("fine as is: {}", f.verdict.reason),
            };
            wrap(&mut out, &advice, "      ", 92);
        }
        out.push('\n');
    }
    if !report.double_locks.is_empty() {
        let _ = writeln!(out, "DOUBLE LOCKS ({})", report.double_locks.len());
        for d in &report.double_locks {
            let what = if d.read_then_write {
                "read and write-locked"
            } else {
                "locked again"
            };
            let _ = writeln!(
                out,
                "  {}  `{}` {what} in `{}` while the guard from {}:{} is alive ({}, lines {}-{}){}",
                place(&d.path, d.second),
                d.name,
                d.function,
                d.first.line,
                d.first.column,
                d.via.as_str(),
                d.guard_lines.0,
                d.guard_lines.1,
                d.allowed
                    .as_ref()
                    .map(|r| format!(" [allowed: {r}]"))
                    .unwrap_or_default(),
            );
        }
        out.push('\n');
    }
    if !report.lock_order.is_empty() {
        let _ = writeln!(out, "LOCK-ORDER CONFLICTS ({})", report.lock_order.len());
        for c in &report.lock_order {
            let mut cycle = c.cycle.join(" -> ");
            if let Some(first) = c.cycle.first() {
                let _ = write!(cycle, " -> {first}");
            }
            let _ = writeln!(out, "  {cycle}");
            for e in &c.edges {
                let _ = writeln!(
                    out,
                    "    {}  `{}` locks {} while holding {} (locked at {}:{})",
                    place(&e.path, e.acquired_at),
                    e.function,
                    e.acquired,
                    e.held,
                    e.held_at.line,
                    e.held_at.column,
                );
            }
        }
        out.push('\n');
    }
    if !report.parse_failures.is_empty() {
        let _ = writeln!(out, "NOT PARSED ({})", report.parse_failures.len());
        for p in &report.parse_failures {
            let _ = writeln!(out, "  {}  {}", place(&p.path, p.pos), p.message);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", report.summary());
    out
}

/// Writes `text` word-wrapped at `width` columns, each line starting with `indent`.
fn wrap(out: &mut String, text: &str, indent: &str, width: usize) {
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            let _ = writeln!(out, "{line}");
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}

fn finding_line(f: &Finding) -> String {
    let place = place(&f.path, f.pos);
    let item = if f.ty.is_empty() {
        f.name.clone()
    } else {
        format!("{}: {}", f.name, f.ty)
    };
    format!("{place}  {item}  [{}, {}]", f.kind.name(), f.verdict.rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_is_wrapped_under_its_finding() {
        let mut out = String::new();
        wrap(&mut out, "aaa bbb ccc ddd", "  ", 9);
        assert_eq!(out, "  aaa bbb\n  ccc ddd\n");
        let mut long = String::new();
        wrap(&mut long, "abcdefghijkl x", "  ", 6);
        assert_eq!(long, "  abcdefghijkl\n  x\n");
    }
}
