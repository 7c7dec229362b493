//! The JSON report, written by hand (no serde in the tool): a stable schema, documented
//! in the crate README. Keys are always present; absent values are `null`.

use std::fmt::Write as _;

use super::display_path;
use crate::model::{Level, Pos, Report};

/// The version of the JSON schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The report as one JSON object (schema in the crate README).
///
/// # Examples
///
/// ```
/// let report = singleton_audit::Report::default();
/// let text = singleton_audit::report::json(&report);
/// assert!(text.starts_with("{\"schema_version\":1,"));
/// ```
pub fn json(report: &Report) -> String {
    let (fine, migrate, risky) = report.counts();
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"schema_version\":{SCHEMA_VERSION},\"tool\":\"singleton-audit\",\"tool_version\":{},",
        string(env!("CARGO_PKG_VERSION"))
    );
    let _ = write!(
        out,
        "\"summary\":{{\"files\":{},\"parsed_files\":{},\"lines\":{},\"globals\":{},\"fine\":{fine},\"migrate\":{migrate},\"risky\":{risky},\"double_locks\":{},\"lock_order_conflicts\":{},\"parse_failures\":{},\"max_level\":{},\"text\":{}}},",
        report.files,
        report.parsed,
        report.lines,
        report.findings.len(),
        report.double_locks.len(),
        report.lock_order.len(),
        report.parse_failures.len(),
        report
            .max_level()
            .map_or_else(|| "null".to_string(), |l| string(l.as_str())),
        string(&report.summary()),
    );
    findings(&mut out, report);
    double_locks(&mut out, report);
    lock_order(&mut out, report);
    out.push_str("],\"parse_failures\":[");
    for (i, p) in report.parse_failures.iter().enumerate() {
        comma(&mut out, i);
        let _ = write!(
            out,
            "{{\"path\":{},{},\"message\":{}}}",
            string(&display_path(&p.path)),
            position(p.pos),
            string(&p.message)
        );
    }
    out.push_str("]}");
    out
}

fn findings(out: &mut String, report: &Report) {
    out.push_str("\"findings\":[");
    for (i, f) in report.findings.iter().enumerate() {
        comma(out, i);
        let _ = write!(
            out,
            "{{\"path\":{},{},\"name\":{},\"type\":{},\"kind\":{},\"level\":{},\"rule\":{},\"replacement\":{},\"reason\":{},\"allowed\":{}}}",
            string(&display_path(&f.path)),
            position(f.pos),
            string(&f.name),
            string(&f.ty),
            string(f.kind.name()),
            string(Report::level_of(f).as_str()),
            string(f.verdict.rule),
            f.verdict.replacement.map_or_else(|| "null".into(), string),
            string(&f.verdict.reason),
            f.allowed.as_deref().map_or_else(|| "null".into(), string),
        );
    }
}

fn double_locks(out: &mut String, report: &Report) {
    out.push_str("],\"double_locks\":[");
    for (i, d) in report.double_locks.iter().enumerate() {
        comma(out, i);
        let level = if d.allowed.is_some() {
            Level::Fine
        } else {
            Level::Risky
        };
        let _ = write!(
            out,
            "{{\"path\":{},\"name\":{},\"function\":{},\"first\":{{{}}},\"guard_lines\":[{},{}],\"second\":{{{}}},\"via\":{},\"read_then_write\":{},\"level\":{},\"allowed\":{}}}",
            string(&display_path(&d.path)),
            string(&d.name),
            string(&d.function),
            position(d.first),
            d.guard_lines.0,
            d.guard_lines.1,
            position(d.second),
            string(d.via.as_str()),
            d.read_then_write,
            string(level.as_str()),
            d.allowed.as_deref().map_or_else(|| "null".into(), string),
        );
    }
}

fn lock_order(out: &mut String, report: &Report) {
    out.push_str("],\"lock_order_conflicts\":[");
    for (i, c) in report.lock_order.iter().enumerate() {
        comma(out, i);
        out.push_str("{\"cycle\":[");
        for (j, name) in c.cycle.iter().enumerate() {
            comma(out, j);
            out.push_str(&string(name));
        }
        out.push_str("],\"level\":\"risky\",\"edges\":[");
        for (j, e) in c.edges.iter().enumerate() {
            comma(out, j);
            let _ = write!(
                out,
                "{{\"path\":{},\"function\":{},\"held\":{},\"held_at\":{{{}}},\"acquired\":{},\"acquired_at\":{{{}}}}}",
                string(&display_path(&e.path)),
                string(&e.function),
                string(&e.held),
                position(e.held_at),
                string(&e.acquired),
                position(e.acquired_at),
            );
        }
        out.push_str("]}");
    }
}

fn comma(out: &mut String, index: usize) {
    if index > 0 {
        out.push(',');
    }
}

fn position(pos: Pos) -> String {
    format!("\"line\":{},\"column\":{}", pos.line, pos.column)
}

/// A JSON string literal: quotes, backslashes and control characters escaped.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
