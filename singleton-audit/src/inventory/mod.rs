//! One pass over a parsed file: every `static` (modules, fn bodies, impls, nested
//! modules), the statics declared by `lazy_static!`, `thread_local!` and `task_local!`,
//! items under our attributes, `set_var`/`remove_var` calls, and the usage facts the
//! verdicts need (which methods are called on a static, which statics a fn that reads
//! a file's mtime touches).

mod declared;
mod usage;
mod uses;

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::{self, Visit};
use syn::{Attribute, Expr};

use crate::kind::{Uses, classify, pretty};
use crate::model::{Kind, Pos};

use declared::MacroStatics;
use usage::{Touched, is_null_pointer, touched_in_tokens};
pub(crate) use usage::{Usage, looks_static};
use uses::collect_uses;

/// Our attributes: an item under one of them is already migrated.
pub(crate) const OUR_ATTRIBUTES: &[&str] = &[
    "singleton",
    "guarded_global",
    "init_once",
    "invalidating_cache",
];

/// A global as declared, before its verdict.
#[derive(Clone, Debug)]
pub(crate) struct Global {
    pub(crate) pos: Pos,
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) kind: Kind,
    /// Our attribute on it, if any.
    pub(crate) annotation: Option<&'static str>,
    /// For an environment write: the enclosing fn is `main`.
    pub(crate) in_main: bool,
    /// Where to look for a suppression comment: the item's line, then the macro's.
    pub(crate) allow_lines: Vec<usize>,
    /// The path of each attribute on a `static` item (`cfg`, `no_mangle`, ...).
    pub(crate) attrs: Vec<String>,
    /// For a static declared in a fn body: the methods called on its name in that fn
    /// (nothing outside the fn can name it).
    pub(crate) local_methods: Option<BTreeSet<String>>,
}

/// The inventory of one file.
#[derive(Debug, Default)]
pub(crate) struct FileInventory {
    pub(crate) globals: Vec<Global>,
    pub(crate) usage: Usage,
}

/// Inventories one file.
pub(crate) fn inventory(file: &syn::File) -> FileInventory {
    let mut uses = Uses::new();
    collect_uses(&file.items, &mut uses);
    let mut visitor = Inventory {
        uses: &uses,
        out: FileInventory::default(),
        fns: Vec::new(),
        macro_line: None,
    };
    visitor.visit_file(file);
    visitor.out
}

struct FnCtx {
    name: String,
    /// Static name → methods called on it in this fn.
    methods: BTreeMap<String, BTreeSet<String>>,
    /// Indices (in `out.globals`) of the statics declared in this fn.
    declared: Vec<usize>,
    touched: BTreeSet<String>,
    reads_mtime: bool,
    fills_lazily: bool,
}

struct Inventory<'u> {
    uses: &'u Uses,
    out: FileInventory,
    fns: Vec<FnCtx>,
    /// Line of the macro whose body is being inventoried (`lazy_static!` ...).
    macro_line: Option<usize>,
}

fn our_attribute(attrs: &[Attribute]) -> Option<&'static str> {
    attrs.iter().find_map(|a| {
        let last = a.path().segments.last()?.ident.to_string();
        OUR_ATTRIBUTES.iter().copied().find(|ours| *ours == last)
    })
}

impl Inventory<'_> {
    fn push(
        &mut self,
        ident: &syn::Ident,
        ty: String,
        kind: Kind,
        annotation: Option<&'static str>,
    ) {
        let pos = Pos::of(ident.span());
        let mut allow_lines = vec![pos.line];
        allow_lines.extend(self.macro_line);
        self.out.globals.push(Global {
            pos,
            name: ident.to_string(),
            ty,
            kind,
            annotation,
            in_main: false,
            allow_lines,
            attrs: Vec::new(),
            local_methods: None,
        });
        if let Some(f) = self.fns.last_mut() {
            f.declared.push(self.out.globals.len() - 1);
        }
    }

    fn in_fn<F: FnOnce(&mut Self)>(&mut self, name: String, body: F) {
        self.fns.push(FnCtx {
            name,
            methods: BTreeMap::new(),
            declared: Vec::new(),
            touched: BTreeSet::new(),
            reads_mtime: false,
            fills_lazily: false,
        });
        body(self);
        if let Some(ctx) = self.fns.pop() {
            for &i in &ctx.declared {
                if let Some(g) = self.out.globals.get_mut(i) {
                    g.local_methods = Some(ctx.methods.get(&g.name).cloned().unwrap_or_default());
                }
            }
            let usage = &mut self.out.usage;
            if ctx.reads_mtime {
                usage.near_mtime.extend(ctx.touched.iter().cloned());
            }
            if ctx.fills_lazily {
                usage
                    .filled_on_first_use
                    .extend(ctx.touched.iter().cloned());
            }
            // A closure's statics count for the fn around it too.
            if let Some(outer) = self.fns.last_mut() {
                outer.touched.extend(ctx.touched);
                outer.reads_mtime |= ctx.reads_mtime;
                outer.fills_lazily |= ctx.fills_lazily;
                for (name, methods) in ctx.methods {
                    outer.methods.entry(name).or_default().extend(methods);
                }
            }
        }
    }

    fn declared_macro(&mut self, mac: &syn::Macro) {
        let Some(last) = mac.path.segments.last() else {
            return;
        };
        let which = last.ident.to_string();
        if !matches!(
            which.as_str(),
            "lazy_static" | "thread_local" | "task_local"
        ) {
            return;
        }
        let Ok(decls) = mac.parse_body::<MacroStatics>() else {
            return;
        };
        let saved = self.macro_line.replace(Pos::of(last.ident.span()).line);
        for decl in decls.0 {
            let ty = pretty(&decl.ty);
            let kind = match which.as_str() {
                "thread_local" => Kind::ThreadLocal,
                "task_local" => Kind::TaskLocal,
                _ => match classify(&decl.ty, self.uses) {
                    kind @ (Kind::Lock { .. } | Kind::Atomic { .. } | Kind::Condvar) => kind,
                    _ => Kind::Lazy { inner: ty.clone() },
                },
            };
            self.push(&decl.name, ty, kind, our_attribute(&decl.attrs));
            if let Some(init) = &decl.init {
                self.visit_expr(init);
            }
        }
        self.macro_line = saved;
    }

    /// `std::env::set_var` / `remove_var` as called: written out, through `use std::env`
    /// (or `use std::env as e;`), or imported by name (also renamed:
    /// `use std::env::set_var as sv;`).
    fn env_write(&self, path: &syn::Path) -> Option<&'static str> {
        let which = |full: &str| match full {
            "std::env::set_var" => Some("set_var"),
            "std::env::remove_var" => Some("remove_var"),
            _ => None,
        };
        let segments = &path.segments;
        let last = segments.last()?;
        if segments.len() == 1 {
            return self
                .uses
                .get(&last.ident.to_string())
                .and_then(|p| which(p));
        }
        // A module alias cannot rename the fn: cheap test before building the path.
        if last.ident != "set_var" && last.ident != "remove_var" {
            return None;
        }
        let written: Vec<String> = segments.iter().map(|s| s.ident.to_string()).collect();
        let first = written[0].as_str();
        let head = match self.uses.get(first) {
            Some(imported) => imported.clone(),
            // `use std::env;` inside a fn body is not collected: a bare `env` is std's.
            None if first == "env" => "std::env".to_string(),
            None => first.to_string(),
        };
        let full = std::iter::once(head)
            .chain(written[1..].iter().cloned())
            .collect::<Vec<_>>()
            .join("::");
        which(&full)
    }
}

impl<'ast> Visit<'ast> for Inventory<'_> {
    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        let annotation = our_attribute(&item.attrs);
        let kind = if matches!(item.mutability, syn::StaticMutability::Mut(_)) {
            Kind::StaticMut
        } else {
            classify(&item.ty, self.uses)
        };
        self.push(&item.ident, pretty(&item.ty), kind, annotation);
        if let Some(g) = self.out.globals.last_mut() {
            g.attrs = item
                .attrs
                .iter()
                .map(|a| {
                    let segs: Vec<String> = a
                        .path()
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect();
                    segs.join("::")
                })
                .collect();
        }
        visit::visit_item_static(self, item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if let Some(attr) = our_attribute(&item.attrs) {
            self.push(&item.sig.ident, String::new(), Kind::Annotated, Some(attr));
        }
        self.in_fn(item.sig.ident.to_string(), |v| {
            visit::visit_item_fn(v, item);
        });
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if let Some(attr) = our_attribute(&item.attrs) {
            self.push(&item.sig.ident, String::new(), Kind::Annotated, Some(attr));
        }
        self.in_fn(item.sig.ident.to_string(), |v| {
            visit::visit_impl_item_fn(v, item);
        });
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        if let Some(attr) = our_attribute(&item.attrs) {
            self.push(&item.ident, String::new(), Kind::Annotated, Some(attr));
        }
        visit::visit_item_struct(self, item);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.declared_macro(mac);
        // Statics named in a macro's arguments (`addr_of_mut!(REGISTRY)`) are touched.
        if let Some(f) = self.fns.last_mut() {
            touched_in_tokens(mac.tokens.clone(), &mut f.touched);
        }
        visit::visit_macro(self, mac);
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        let name = self
            .fns
            .last()
            .map_or_else(|| "<closure>".to_string(), |f| f.name.clone());
        self.in_fn(name, |v| visit::visit_expr_closure(v, closure));
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*call.func
            && let Some(which) = self.env_write(&p.path)
        {
            let seg = p.path.segments.last().map(|s| s.ident.clone());
            if let Some(ident) = seg {
                let in_main = self.fns.first().is_some_and(|f| f.name == "main");
                self.push(&ident, String::new(), Kind::EnvWrite, None);
                if let Some(last) = self.out.globals.last_mut() {
                    last.name = which.to_string();
                    last.in_main = in_main;
                }
            }
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if let Some(f) = self.fns.last_mut() {
            match method.as_str() {
                "modified" => f.reads_mtime = true,
                "is_none" | "is_null" | "get_or_insert_with" | "get_or_insert" => {
                    f.fills_lazily = true;
                }
                _ => {}
            }
        }
        if let Expr::Path(p) = &*call.receiver
            && let Some(last) = p.path.segments.last()
        {
            let name = last.ident.to_string();
            if looks_static(&name) {
                if method == "call_once" || method == "call_once_force" {
                    for arg in &call.args {
                        let mut inner = Touched::default();
                        inner.visit_expr(arg);
                        let touches = &mut self.out.usage.call_once_touches;
                        touches.entry(name.clone()).or_default().extend(inner.0);
                    }
                }
                let mut recorded = vec![method];
                if recorded[0].starts_with("compare_exchange") {
                    // From null: a lazily published pointer; from a value: a lock-free
                    // structure that keeps changing.
                    let from_null = call.args.first().is_some_and(is_null_pointer);
                    recorded.push(
                        if from_null {
                            "cas-from-null"
                        } else {
                            "cas-from-value"
                        }
                        .into(),
                    );
                }
                for method in recorded {
                    if let Some(f) = self.fns.last_mut() {
                        f.methods
                            .entry(name.clone())
                            .or_default()
                            .insert(method.clone());
                    }
                    self.out
                        .usage
                        .methods
                        .entry(name.clone())
                        .or_default()
                        .insert(method);
                }
            }
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if let Some(last) = path.path.segments.last()
            && let Some(f) = self.fns.last_mut()
        {
            let name = last.ident.to_string();
            if looks_static(&name) {
                f.touched.insert(name);
            }
        }
        visit::visit_expr_path(self, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(src: &str) -> FileInventory {
        inventory(&syn::parse_file(src).unwrap())
    }

    fn names(inv: &FileInventory) -> Vec<(String, &'static str)> {
        inv.globals
            .iter()
            .map(|g| (g.name.clone(), g.kind.name()))
            .collect()
    }

    #[test]
    fn statics_everywhere_are_found() {
        let inv = inv(r"
            static A: u32 = 1;
            mod m { pub static mut B: Vec<u8> = Vec::new(); }
            fn f() { static C: AtomicUsize = AtomicUsize::new(0); }
            impl S { fn g() { static D: Mutex<u8> = Mutex::new(0); } }
            trait T { fn h() { static E: Once = Once::new(); } }
        ");
        assert_eq!(
            names(&inv),
            [
                ("A".into(), "immutable"),
                ("B".into(), "static-mut"),
                ("C".into(), "atomic"),
                ("D".into(), "mutex"),
                ("E".into(), "once"),
            ]
        );
    }

    #[test]
    fn macro_declared_statics_are_parsed() {
        let inv = inv(r"
            lazy_static! {
                /// doc
                pub static ref CACHE: Mutex<HashMap<String, u32>> = Mutex::new(HashMap::new());
                static ref NAMES: Vec<&'static str> = vec![];
            }
            thread_local! {
                static DEPTH: Cell<u32> = const { Cell::new(0) };
                static BUF: RefCell<String> = RefCell::new(String::new())
            }
            fn f() { tokio::task_local! { static ID: u64; } }
        ");
        assert_eq!(
            names(&inv),
            [
                ("CACHE".into(), "mutex"),
                ("NAMES".into(), "lazy"),
                ("DEPTH".into(), "thread-local"),
                ("BUF".into(), "thread-local"),
                ("ID".into(), "task-local"),
            ]
        );
        assert_eq!(inv.globals[0].allow_lines, [4, 2]);
    }

    #[test]
    fn env_writes_need_std_env() {
        let inv = inv(r#"
            use std::env;
            fn main() { unsafe { std::env::set_var("A", "1"); } }
            fn helper() { unsafe { env::remove_var("A"); } }
            fn other() { cmd.set_var(1); my::env::set_var(1); set_var(2); }
        "#);
        let writes: Vec<_> = inv
            .globals
            .iter()
            .map(|g| (g.name.as_str(), g.in_main, g.pos.line))
            .collect();
        assert_eq!(writes, [("set_var", true, 3), ("remove_var", false, 4)]);
    }

    #[test]
    fn env_writes_through_renamed_imports() {
        let inv = inv(r#"
            use std::env::set_var as sv;
            use std::env::{remove_var as unset};
            use std::env as e;
            use ::std::env as root_env;
            fn f() { unsafe { sv("A", "1"); unset("B"); e::set_var("C", "3"); } }
            fn g() { unsafe { root_env::remove_var("D"); ::std::env::set_var("E", "5"); } }
            fn h() { other::sv(1); x.sv(2); }
        "#);
        let writes: Vec<_> = inv
            .globals
            .iter()
            .map(|g| (g.name.as_str(), g.pos.line))
            .collect();
        assert_eq!(
            writes,
            [
                ("set_var", 6),
                ("remove_var", 6),
                ("set_var", 6),
                ("remove_var", 7),
                ("set_var", 7)
            ]
        );
    }

    #[test]
    fn our_attributes_and_usage_facts() {
        let inv = inv(r"
            #[singleton] fn config() -> Config { Config::load() }
            #[singleton_runtime::guarded_global] static SEEN: Vec<u8> = Vec::new();
            static INIT: Once = Once::new();
            static mut INSTANCE: Option<u8> = None;
            static CACHE: Mutex<u8> = Mutex::new(0);
            fn get() -> u8 { INIT.call_once(|| unsafe { INSTANCE = Some(1) }); 0 }
            fn load(p: &Path) { let m = p.metadata().unwrap().modified(); CACHE.lock(); }
        ");
        let annotated: Vec<_> = inv.globals.iter().map(|g| g.annotation).collect();
        assert_eq!(
            annotated,
            [Some("singleton"), Some("guarded_global"), None, None, None]
        );
        assert!(inv.usage.calls("INIT", "call_once"));
        assert!(inv.usage.set_in_call_once("INSTANCE"));
        assert_eq!(inv.usage.call_once_touches["INIT"].len(), 1);
        let in_macro = super::inventory(
            &syn::parse_file("fn f() { SET.call_once(|| unsafe { addr_of_mut!(REG).write(1) }); }")
                .unwrap(),
        );
        assert!(in_macro.usage.set_in_call_once("REG"));
        assert!(inv.usage.near_mtime.contains("CACHE"));
        assert!(!inv.usage.near_mtime.contains("INIT"));
        assert!(inv.usage.filled_on_first_use.is_empty());
        let lazy = super::inventory(
            &syn::parse_file("fn get() { let mut g = SLOT.lock(); g.get_or_insert_with(f); }")
                .unwrap(),
        );
        assert!(lazy.usage.filled_on_first_use.contains("SLOT"));
    }
}

#[cfg(test)]
mod local_tests {
    use super::*;

    #[test]
    fn fn_local_statics_see_only_their_fn_and_attributes_are_kept() {
        let inv = inventory(
            &syn::parse_file(
                r"
                fn a() { static CELL: OnceCell<u8> = OnceCell::new(); CELL.get(); }
                fn b() { static CELL: OnceCell<u8> = OnceCell::new(); CELL.get_or_init(f); }
                #[no_mangle] static mut HOOK: fn() = noop;
                static HEAD: AtomicPtr<Node> = AtomicPtr::new(null_mut());
                fn push(n: *mut Node) { HEAD.compare_exchange(cur, n, AcqRel, Acquire); }
                fn init(n: *mut Node) { HEAD.compare_exchange(ptr::null_mut(), n, AcqRel, Acquire); }
            ",
            )
            .unwrap(),
        );
        let local = |i: usize| inv.globals[i].local_methods.clone().unwrap();
        assert!(local(0).contains("get") && !local(0).contains("get_or_init"));
        assert!(local(1).contains("get_or_init"));
        assert!(inv.usage.calls("CELL", "get_or_init"));
        assert_eq!(inv.globals[2].attrs, ["no_mangle"]);
        assert!(inv.globals[3].local_methods.is_none());
        assert!(inv.usage.calls("HEAD", "cas-from-null"));
        assert!(inv.usage.calls("HEAD", "cas-from-value"));
    }
}
