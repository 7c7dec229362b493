//! Renders a [`Report`](crate::Report): a table for people ([`table`]) and JSON for
//! tools ([`json`], schema in the crate README, `schema_version` 1).

mod json;
mod table;

pub use json::{SCHEMA_VERSION, json};
pub use table::table;

/// A path as printed: `/`-separated on every platform (only separators are replaced:
/// a `\\` in a Unix file name stays).
pub(crate) fn display_path(path: &std::path::Path) -> String {
    use std::path::Component;
    let mut out = String::new();
    for component in path.components() {
        match component {
            Component::RootDir => out.push('/'),
            Component::Prefix(prefix) => out.push_str(&prefix.as_os_str().to_string_lossy()),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    out
}

/// `path:line:column`, as compilers print a position.
pub(crate) fn place(path: &std::path::Path, pos: crate::model::Pos) -> String {
    format!("{}:{}:{}", display_path(path), pos.line, pos.column)
}

#[cfg(test)]
mod tests {
    use super::display_path;
    use std::path::{MAIN_SEPARATOR, Path};

    #[test]
    fn only_separators_become_slashes() {
        // A backslash is a separator on Windows only: elsewhere it is part of a name,
        // and the printed path must name the file that exists.
        let written = format!("src{MAIN_SEPARATOR}we\\ird{MAIN_SEPARATOR}a.rs");
        let expected = if MAIN_SEPARATOR == '\\' {
            "src/we/ird/a.rs"
        } else {
            "src/we\\ird/a.rs"
        };
        assert_eq!(display_path(Path::new(&written)), expected);
    }
}
