//! Usage facts: which methods are called on a static, which statics a closure or a
//! macro's arguments name. The verdicts read them to tell a once-flag from a state flag,
//! a singleton's `OnceLock` from a write-once slot, and so on.

use std::collections::{BTreeMap, BTreeSet};

use syn::Expr;
use syn::visit::Visit;

/// What a file says about how its statics are used.
#[derive(Clone, Debug, Default)]
pub(crate) struct Usage {
    /// Static name → methods called on it directly (`NAME.method(..)`).
    pub(crate) methods: BTreeMap<String, BTreeSet<String>>,
    /// Statics touched by a fn that also calls `.modified()` (a file's mtime).
    pub(crate) near_mtime: BTreeSet<String>,
    /// `Once` name → statics its `call_once` closures name.
    pub(crate) call_once_touches: BTreeMap<String, BTreeSet<String>>,
    /// Statics touched by a fn that fills something on first use (`is_none()`,
    /// `is_null()`, `get_or_insert_with(..)`): the shape of a hand-rolled lazy value.
    pub(crate) filled_on_first_use: BTreeSet<String>,
}

impl Usage {
    pub(crate) fn merge(&mut self, other: Usage) {
        for (name, methods) in other.methods {
            self.methods.entry(name).or_default().extend(methods);
        }
        self.near_mtime.extend(other.near_mtime);
        for (name, touched) in other.call_once_touches {
            self.call_once_touches
                .entry(name)
                .or_default()
                .extend(touched);
        }
        self.filled_on_first_use.extend(other.filled_on_first_use);
    }

    pub(crate) fn calls(&self, name: &str, method: &str) -> bool {
        self.methods.get(name).is_some_and(|m| m.contains(method))
    }

    /// Is `name` named inside some `Once::call_once` closure?
    pub(crate) fn set_in_call_once(&self, name: &str) -> bool {
        self.call_once_touches.values().any(|t| t.contains(name))
    }
}

/// Is `ident` spelled like a static (`SCREAMING_CASE`)? Locals and fields are not.
pub(crate) fn looks_static(ident: &str) -> bool {
    ident.starts_with(|c: char| c.is_ascii_uppercase())
        && !ident.chars().any(|c| c.is_ascii_lowercase())
}

pub(super) fn touched_in_tokens(tokens: proc_macro2::TokenStream, touched: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Ident(ident) => {
                let name = ident.to_string();
                if looks_static(&name) {
                    touched.insert(name);
                }
            }
            proc_macro2::TokenTree::Group(group) => touched_in_tokens(group.stream(), touched),
            _ => {}
        }
    }
}

/// `ptr::null_mut()`, `null()`, `std::ptr::null_mut::<T>()`.
pub(super) fn is_null_pointer(expr: &Expr) -> bool {
    let Expr::Call(call) = expr else { return false };
    let Expr::Path(p) = &*call.func else {
        return false;
    };
    p.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "null_mut" || s.ident == "null")
}

/// The statics a closure body names.
#[derive(Default)]
pub(super) struct Touched(pub(super) BTreeSet<String>);

impl<'ast> Visit<'ast> for Touched {
    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if let Some(last) = path.path.segments.last() {
            let name = last.ident.to_string();
            if looks_static(&name) {
                self.0.insert(name);
            }
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        touched_in_tokens(mac.tokens.clone(), &mut self.0);
    }
}
