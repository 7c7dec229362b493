//! The human report: findings grouped by level (risky first), then double locks,
//! lock-order conflicts, files that did not parse, and the summary line.

use std::fmt::Write as _;

use super::display_path;
use crate::model::{Finding, Level, Report};

/// The report as a table grouped by verdict, ending with the summary line.
///
/// # Examples
///
/// ```
/// let report = singleton_audit::Report::default();
/// assert!(singleton_audit::report::table(&report).ends_with("0 double locks\n"));
/// ```
pub fn table(report: &Report) -> String {
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
            let advice = match (&f.allowed, f.verdict.replacement) {
                (Some(reason), _) => format!("allowed: {reason}"),
                (None, Some(replacement)) => {
                    format!("-> {replacement}: {}", f.verdict.reason)
                }
                (None, None) => format!("fine as is: {}", f.verdict.reason),
            };
            let _ = writeln!(out, "      {advice}");
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
                "  {}:{}:{}  `{}` {what} in `{}` while the guard from {}:{} is alive ({}, lines {}-{}){}",
                display_path(&d.path),
                d.second.line,
                d.second.column,
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
                    "    {}:{}:{}  `{}` locks {} while holding {} (locked at {}:{})",
                    display_path(&e.path),
                    e.acquired_at.line,
                    e.acquired_at.column,
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
            let _ = writeln!(
                out,
                "  {}:{}:{}  {}",
                display_path(&p.path),
                p.pos.line,
                p.pos.column,
                p.message
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", report.summary());
    out
}

fn finding_line(f: &Finding) -> String {
    let place = format!("{}:{}:{}", display_path(&f.path), f.pos.line, f.pos.column);
    let item = if f.ty.is_empty() {
        f.name.clone()
    } else {
        format!("{}: {}", f.name, f.ty)
    };
    format!("{place}  {item}  [{}, {}]", f.kind.name(), f.verdict.rule)
}
