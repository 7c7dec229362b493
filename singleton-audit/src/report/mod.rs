//! Renders a [`Report`](crate::Report): a table for people ([`table`]) and JSON for
//! tools ([`json`], schema in the crate README, `schema_version` 1).

mod json;
mod table;

pub use json::{SCHEMA_VERSION, json};
pub use table::table;

/// A path as printed: `/`-separated on every platform.
pub(crate) fn display_path(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `path:line:column`, as compilers print a position.
pub(crate) fn place(path: &std::path::Path, pos: crate::model::Pos) -> String {
    format!("{}:{}:{}", display_path(path), pos.line, pos.column)
}
