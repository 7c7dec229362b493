//! `// singleton-audit: allow(reason)`: a finding the code's authors have judged.
//!
//! The comment goes on the finding's line (trailing) or in the run of comment and
//! attribute lines directly above it. The reason is required: `allow()` is ignored.

const MARKER: &str = "singleton-audit: allow(";

/// The reason of an allow comment for a finding on 1-based `line`, if any.
pub(crate) fn allowed(lines: &[&str], line: usize) -> Option<String> {
    let index = line.checked_sub(1)?;
    if let Some(reason) = lines.get(index).and_then(|l| reason_in(l)) {
        return Some(reason);
    }
    for above in lines[..index.min(lines.len())].iter().rev() {
        let trimmed = above.trim_start();
        let is_preamble = trimmed.starts_with("//")
            || trimmed.starts_with("#[")
            || trimmed.starts_with(')')
            || trimmed.starts_with(']');
        if !is_preamble {
            return None;
        }
        if let Some(reason) = reason_in(trimmed) {
            return Some(reason);
        }
    }
    None
}

fn reason_in(line: &str) -> Option<String> {
    let comment = &line[line.find("//")?..];
    let start = comment.find(MARKER)? + MARKER.len();
    let rest = &comment[start..];
    let reason = rest[..rest.rfind(')')?].trim();
    (!reason.is_empty()).then(|| reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn above_or_trailing_with_a_reason() {
        let src = [
            "// singleton-audit: allow(the runtime's own registry)",
            "#[cfg(not(loom))]",
            "static REGISTRY: Mutex<Registry> = Mutex::new(Registry::new());",
            "",
            "static A: Mutex<u8> = Mutex::new(0); // singleton-audit: allow(test counter (serial))",
            "let x = 1;",
            "static B: Mutex<u8> = Mutex::new(0);",
            "// singleton-audit: allow()",
            "static C: Mutex<u8> = Mutex::new(0);",
        ];
        assert_eq!(
            allowed(&src, 3).as_deref(),
            Some("the runtime's own registry")
        );
        assert_eq!(allowed(&src, 5).as_deref(), Some("test counter (serial)"));
        assert_eq!(allowed(&src, 7), None);
        assert_eq!(allowed(&src, 9), None);
        assert_eq!(allowed(&src, 99), None);
    }
}
