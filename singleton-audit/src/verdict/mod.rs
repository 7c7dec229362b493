//! The verdict on each global: fine, migrate (to which attribute) or risky, with the
//! reason in the terms of the code the user wrote. Every rule has a stable id (the
//! `rule` field of the JSON output), listed in the crate README.

use std::collections::BTreeSet;

mod rules;

use crate::inventory::{Global, OUR_ATTRIBUTES, Usage};
use crate::model::{Kind, Level, Verdict};
use rules::{
    atomic, env_write, fallible, is_result, lock, once, once_cell, static_mut, thread_local,
};

/// What the verdict may look at besides the global itself.
pub(crate) struct Context<'a> {
    /// Usage facts of the whole crate the global belongs to.
    pub(crate) usage: &'a Usage,
    /// The crate's `static mut`s that hold a value (not a bool or a number): named in a
    /// `Once::call_once`, they are the value of a hand-rolled singleton.
    pub(crate) value_static_muts: &'a BTreeSet<String>,
    /// The crate's atomic statics: written in a `Once::call_once`, they hold the value
    /// it computes.
    pub(crate) atomics: &'a BTreeSet<String>,
}

/// Attributes of the language and its tools; any other attribute on a `static` is an
/// attribute macro that rewrites it.
const BUILTIN_ATTRIBUTES: &[&str] = &[
    "cfg",
    "cfg_attr",
    "doc",
    "allow",
    "warn",
    "deny",
    "expect",
    "forbid",
    "no_mangle",
    "export_name",
    "link_section",
    "used",
    "thread_local",
    "deprecated",
    "unsafe",
];

/// Attributes that share a static with foreign code by symbol.
const FFI_ATTRIBUTES: &[&str] = &["no_mangle", "export_name", "link_section", "used", "unsafe"];

fn macro_attribute(attrs: &[String]) -> Option<&String> {
    attrs.iter().find(|a| {
        let first = a.split("::").next().unwrap_or("");
        !BUILTIN_ATTRIBUTES.contains(&a.as_str())
            && !matches!(first, "rustfmt" | "clippy" | "rustc")
            && !OUR_ATTRIBUTES.contains(&a.rsplit("::").next().unwrap_or(""))
    })
}

/// A `bool` or a number: a `static mut` flag or counter, not a singleton's value.
pub(crate) fn is_scalar(ty: &str) -> bool {
    matches!(
        ty,
        "bool"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "f32"
            | "f64"
            | "char"
    )
}

fn verdict(
    level: Level,
    rule: &'static str,
    replacement: Option<&'static str>,
    reason: String,
) -> Verdict {
    Verdict {
        level,
        rule,
        replacement,
        reason,
    }
}

fn fine(rule: &'static str, reason: String) -> Verdict {
    verdict(Level::Fine, rule, None, reason)
}

fn migrate(rule: &'static str, replacement: &'static str, reason: String) -> Verdict {
    verdict(Level::Migrate, rule, Some(replacement), reason)
}

/// The verdict on `global`.
pub(crate) fn judge(global: &Global, cx: &Context<'_>) -> Verdict {
    let name = global.name.as_str();
    let calls = |method: &str| match &global.local_methods {
        Some(local) => local.contains(method),
        None => cx.usage.calls(name, method),
    };
    if let Some(attr) = global.annotation {
        return fine(
            "annotated",
            format!("already under `#[{attr}]`: the macro provides the synchronisation"),
        );
    }
    if let Some(attr) = macro_attribute(&global.attrs) {
        return fine(
            "macro-attribute",
            format!(
                "`#[{attr}]` is an attribute macro that rewrites this static; the audit sees \
                 only what is written, so what it expands to is that macro's business"
            ),
        );
    }
    if global.attrs.iter().any(|a| a == "thread_local") {
        return thread_local();
    }
    let ffi = global
        .attrs
        .iter()
        .any(|a| FFI_ATTRIBUTES.contains(&a.as_str()));
    match &global.kind {
        Kind::StaticMut => static_mut(global, cx, ffi),
        Kind::Lock { inner, .. } => lock(global, inner, cx),
        Kind::OnceCell => once_cell(&calls),
        Kind::Lazy { inner } if is_result(inner) => fallible(),
        Kind::Lazy { .. } => fine(
            "immutable-lazy",
            "built once on first use and immutable after: fine as is".into(),
        ),
        Kind::Atomic { flag, ptr } => atomic(*flag, *ptr, &calls),
        Kind::Once => once(name, cx, &calls),
        Kind::Condvar => fine(
            "condvar",
            "a condition variable has no state of its own; it pairs with a lock".into(),
        ),
        Kind::ThreadLocal => thread_local(),
        Kind::TaskLocal => fine(
            "task-local",
            "one value per task scope: tasks do not share it; fine as is".into(),
        ),
        Kind::Immutable => fine(
            "immutable",
            "no interior mutability: a shared immutable value needs no synchronisation".into(),
        ),
        Kind::Opaque => fine(
            "opaque-type",
            format!(
                "`{}` is not a type the audit knows: immutable (fine) unless it hides a lock, \
                 cell or atomic, whose own fields are then the global state to audit",
                global.ty
            ),
        ),
        Kind::EnvWrite => env_write(name, global.in_main),
        Kind::Annotated => fine(
            "runtime-type",
            format!(
                "`{}` is a singleton-runtime type used directly: it provides the \
                 synchronisation the attributes expand to",
                global.ty
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::inventory;

    fn rules(src: &str) -> Vec<(String, &'static str, Level)> {
        let inv = inventory(&syn::parse_file(src).unwrap());
        let value_static_muts = inv
            .globals
            .iter()
            .filter(|g| g.kind == Kind::StaticMut && !is_scalar(&g.ty))
            .map(|g| g.name.clone())
            .collect();
        let atomics = inv
            .globals
            .iter()
            .filter(|g| matches!(g.kind, Kind::Atomic { .. }))
            .map(|g| g.name.clone())
            .collect();
        let cx = Context {
            usage: &inv.usage,
            value_static_muts: &value_static_muts,
            atomics: &atomics,
        };
        inv.globals
            .iter()
            .map(|g| {
                let v = judge(g, &cx);
                assert!(!v.reason.is_empty());
                (g.name.clone(), v.rule, v.level)
            })
            .collect()
    }

    #[test]
    fn each_shape_gets_its_rule() {
        let got = rules(
            r#"
            static mut COUNT: u64 = 0;
            static mut LAZY: Option<Registry> = None;
            static MAP: LazyLock<Mutex<HashMap<String, u32>>> = LazyLock::new(Default::default);
            static CFG: OnceLock<Config> = OnceLock::new();
            static TRY: OnceLock<Config> = OnceLock::new();
            static SLOT: OnceLock<Config> = OnceLock::new();
            static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new("a").unwrap());
            static LOADED: LazyLock<Result<Config, String>> = LazyLock::new(load);
            static STARTED: AtomicBool = AtomicBool::new(false);
            static HITS: AtomicUsize = AtomicUsize::new(0);
            static SERIAL: Mutex<()> = Mutex::new(());
            static INSTANCE: Mutex<Option<Arc<Registry>>> = Mutex::new(None);
            static CURRENT: Mutex<Option<PathBuf>> = Mutex::new(None);
            static STAMPED: Mutex<Option<(SystemTime, String)>> = Mutex::new(None);
            fn uses() {
                CFG.get_or_init(Config::load);
                TRY.get_or_try_init(Config::load);
                SLOT.set(Config::default());
                STARTED.compare_exchange(false, true, SeqCst, SeqCst);
                HITS.fetch_add(1, SeqCst);
                if unsafe { LAZY.is_none() } {}
                INSTANCE.lock().unwrap().get_or_insert_with(Registry::new);
            }
            fn switch(p: PathBuf) {
                *CURRENT.lock().unwrap() = Some(p);
            }
        "#,
        );
        let expected = [
            ("COUNT", "static-mut", Level::Risky),
            ("LAZY", "static-mut-singleton", Level::Risky),
            ("MAP", "lock-to-guarded-global", Level::Migrate),
            ("CFG", "once-cell-get-or-init", Level::Migrate),
            ("TRY", "fallible-lazy", Level::Migrate),
            ("SLOT", "once-cell-set-once", Level::Fine),
            ("RE", "immutable-lazy", Level::Fine),
            ("LOADED", "fallible-lazy", Level::Migrate),
            ("STARTED", "once-flag", Level::Migrate),
            ("HITS", "atomic", Level::Fine),
            ("SERIAL", "lock-without-data", Level::Fine),
            ("INSTANCE", "lock-option-singleton", Level::Migrate),
            ("CURRENT", "lock-to-guarded-global", Level::Migrate),
            ("STAMPED", "mtime-cache", Level::Migrate),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(n, r, l)| ((*n).to_string(), *r, *l))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn shapes_that_only_look_like_the_patterns() {
        let got = rules(
            r"
            #[dynamic(lazy)] static mut LOCKED: Vec<u8> = vec![];
            #[thread_local] static LOCAL: OnceCell<u8> = OnceCell::new();
            #[no_mangle] pub static mut HOOK: fn() = noop;
            static HEAD: AtomicPtr<Node> = AtomicPtr::new(null_mut());
            static TABLE: AtomicPtr<Table> = AtomicPtr::new(null_mut());
            static IN_FIBER: AtomicBool = AtomicBool::new(false);
            static O: Once = Once::new();
            static mut RUN: bool = false;
            static LOADED: Once = Once::new();
            static SUPPORTED: AtomicBool = AtomicBool::new(false);
            fn push(n: *mut Node) { HEAD.compare_exchange(head, n, AcqRel, Acquire); }
            fn table() { TABLE.compare_exchange(null_mut(), t, AcqRel, Acquire); }
            fn grow() { TABLE.compare_exchange(old, new, AcqRel, Acquire); }
            fn enter() { IN_FIBER.swap(true, Relaxed); }
            fn leave() { IN_FIBER.store(false, Relaxed); }
            fn once() { O.call_once(|| unsafe { RUN = true }); LOCAL.get_or_init(f); }
            fn supported() -> bool {
                LOADED.call_once(|| SUPPORTED.store(probe(), Relaxed));
                SUPPORTED.load(Relaxed)
            }
        ",
        );
        let got: Vec<_> = got.iter().map(|(n, r, l)| (n.as_str(), *r, *l)).collect();
        assert_eq!(
            got,
            [
                ("LOCKED", "macro-attribute", Level::Fine),
                ("LOCAL", "thread-local", Level::Fine),
                ("HOOK", "static-mut-ffi", Level::Risky),
                ("HEAD", "atomic", Level::Fine),
                ("TABLE", "atomic", Level::Fine),
                ("IN_FIBER", "atomic", Level::Fine),
                ("O", "once-flag", Level::Migrate),
                ("RUN", "static-mut", Level::Risky),
                ("LOADED", "once-singleton", Level::Migrate),
                ("SUPPORTED", "atomic", Level::Fine),
            ]
        );
    }

    #[test]
    fn env_writes_are_risky_outside_main() {
        let got = rules(
            r#"
            fn main() { unsafe { std::env::set_var("A", "1") } }
            fn with_env() { unsafe { std::env::set_var("A", "1") } }
        "#,
        );
        assert_eq!(got[0].1, "env-write-in-main");
        assert_eq!(got[0].2, Level::Migrate);
        assert_eq!(got[1].1, "env-write");
        assert_eq!(got[1].2, Level::Risky);
    }
}
