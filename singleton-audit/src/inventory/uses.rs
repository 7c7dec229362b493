//! A file's `use` declarations: which path an imported name stands for, so that
//! `Mutex` after `use parking_lot::Mutex;` is parking_lot's; and its type aliases, so
//! that `static R: Registry` with `type Registry = Mutex<..>;` is a lock.

use crate::kind::Uses;

/// The `use` declarations and type aliases of a file (module level, nested modules
/// included).
pub(super) fn collect_uses(items: &[syn::Item], uses: &mut Uses) {
    collect_in(items, "", uses);
}

fn collect_in(items: &[syn::Item], module: &str, uses: &mut Uses) {
    fn tree(prefix: &str, tree_: &syn::UseTree, uses: &mut Uses) {
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}::{name}")
            }
        };
        match tree_ {
            syn::UseTree::Path(p) => tree(&join(&p.ident.to_string()), &p.tree, uses),
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name != "self" {
                    uses.insert(name.clone(), join(&name));
                } else if let Some(last) = prefix.rsplit("::").next() {
                    uses.insert(last.to_string(), prefix.to_string());
                }
            }
            syn::UseTree::Rename(r) => {
                uses.insert(r.rename.to_string(), join(&r.ident.to_string()));
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    tree(prefix, t, uses);
                }
            }
            syn::UseTree::Glob(_) => {}
        }
    }
    for item in items {
        match item {
            syn::Item::Use(u) => tree("", &u.tree, uses),
            syn::Item::Type(t) => {
                let name = t.ident.to_string();
                let key = if module.is_empty() {
                    name
                } else {
                    format!("{module}::{name}")
                };
                uses.insert_alias(key, (*t.ty).clone());
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    let module = if module.is_empty() {
                        m.ident.to_string()
                    } else {
                        format!("{module}::{}", m.ident)
                    };
                    collect_in(inner, &module, uses);
                }
            }
            _ => {}
        }
    }
}
