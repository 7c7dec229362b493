//! Classifies a static's declared type: is it a lock, an atomic, a lazy value, ...?
//! Only the type's syntax is seen: a path's last segment names the kind, `use`
//! declarations of the file name the family (`std`, `parking_lot`, `tokio`, `spin`).

use std::collections::HashMap;

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

use crate::model::Kind;

/// The file's `use` declarations (imported name → the path it stands for: `Mutex` →
/// `parking_lot::Mutex`) and its type aliases (`type Registry = Mutex<..>;`, keyed by
/// their path inside the file: `Registry`, `types::Shared`).
#[derive(Clone, Default)]
pub(crate) struct Uses {
    imports: HashMap<String, String>,
    aliases: HashMap<String, Type>,
}

impl Uses {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The path an imported name stands for.
    pub(crate) fn get(&self, name: &str) -> Option<&String> {
        self.imports.get(name)
    }

    pub(crate) fn insert(&mut self, name: String, path: String) {
        self.imports.insert(name, path);
    }

    pub(crate) fn insert_alias(&mut self, path: String, ty: Type) {
        self.aliases.insert(path, ty);
    }

    /// The type an alias declared in this file stands for: `Registry`, or
    /// `types::Shared` / `crate::types::Shared` / `self::..` / `super::..` (a module of
    /// this file).
    fn alias(&self, path: &syn::Path) -> Option<&Type> {
        if self.aliases.is_empty() {
            return None;
        }
        let written: Vec<String> = path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .skip_while(|s| matches!(s.as_str(), "crate" | "self" | "super"))
            .collect();
        self.aliases.get(&written.join("::"))
    }
}

impl FromIterator<(String, String)> for Uses {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self {
            imports: iter.into_iter().collect(),
            aliases: HashMap::new(),
        }
    }
}

/// How many aliases deep a type is followed (`type A = B; type B = Mutex<u8>;`).
const ALIAS_DEPTH: u8 = 8;

/// The kind of a static of type `ty`.
pub(crate) fn classify(ty: &Type, uses: &Uses) -> Kind {
    classify_at(ty, uses, 0)
}

fn classify_at(ty: &Type, uses: &Uses, depth: u8) -> Kind {
    match ty {
        Type::Path(path) if path.qself.is_none() => match uses.alias(&path.path) {
            Some(_) if depth >= ALIAS_DEPTH => Kind::Opaque,
            Some(target) => classify_at(target, uses, depth + 1),
            None => classify_path(&path.path, uses, depth),
        },
        Type::Reference(r) => classify_at(&r.elem, uses, depth),
        Type::Array(a) => classify_at(&a.elem, uses, depth),
        Type::Slice(s) => classify_at(&s.elem, uses, depth),
        Type::Paren(p) => classify_at(&p.elem, uses, depth),
        Type::Group(g) => classify_at(&g.elem, uses, depth),
        Type::Tuple(t) => strongest(t.elems.iter().map(|e| classify_at(e, uses, depth))),
        Type::BareFn(_) | Type::Never(_) => Kind::Immutable,
        _ => Kind::Opaque,
    }
}

/// Lock before once-cell before atomic before opaque before immutable: the kind that
/// decides the verdict when a type holds several (`(Mutex<A>, Condvar)`).
fn strongest(kinds: impl Iterator<Item = Kind>) -> Kind {
    let rank = |k: &Kind| match k {
        Kind::Lock { .. } => 6,
        Kind::Lazy { .. } | Kind::OnceCell => 5,
        Kind::Once => 4,
        Kind::Atomic { .. } => 3,
        Kind::Condvar => 2,
        Kind::Opaque => 1,
        _ => 0,
    };
    kinds.max_by_key(rank).unwrap_or(Kind::Immutable)
}

fn type_args(path: &syn::Path) -> Vec<&Type> {
    let Some(last) = path.segments.last() else {
        return Vec::new();
    };
    match &last.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The full path a type path stands for, through the file's `use`s.
fn full_path(path: &syn::Path, uses: &Uses) -> String {
    let written: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let first = written.first().map_or("", String::as_str);
    match uses.get(first) {
        Some(imported) if !written.is_empty() => {
            let mut full = imported.clone();
            for seg in &written[1..] {
                full.push_str("::");
                full.push_str(seg);
            }
            full
        }
        _ => written.join("::"),
    }
}

fn family(full: &str) -> &'static str {
    let has = |name: &str| full.split("::").any(|s| s == name);
    if has("parking_lot") || has("lock_api") {
        "parking_lot"
    } else if has("tokio") {
        "tokio"
    } else if has("spin") {
        "spin"
    } else if has("std") || has("core") || has("sync") || !full.contains("::") {
        // A bare `Mutex` with no `use` seen is std's: the prelude has none, but
        // `use std::sync::*` and re-exports hide the path.
        "std"
    } else {
        "other"
    }
}

const IMMUTABLE: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
    "bool",
    "char",
    "str",
    "String",
    "Duration",
    "Path",
    "PathBuf",
    "OsStr",
    "CStr",
    "Cow",
    "NonZeroUsize",
    "NonZeroU32",
    "NonZeroU64",
    "PhantomData",
];

const PASS_THROUGH: &[&str] = &[
    "Arc",
    "Box",
    "Pin",
    "ManuallyDrop",
    "CachePadded",
    "Option",
    "Vec",
    "Wrapping",
];

fn classify_path(path: &syn::Path, uses: &Uses, depth: u8) -> Kind {
    let Some(last) = path.segments.last() else {
        return Kind::Opaque;
    };
    // Through a renaming import (`use std::sync::atomic::AtomicUsize as Counter;`).
    let name = match uses.get(&last.ident.to_string()) {
        Some(full) if path.segments.len() == 1 => {
            full.rsplit("::").next().unwrap_or_default().to_string()
        }
        _ => last.ident.to_string(),
    };
    let args = type_args(path);
    let inner = || {
        args.first()
            .map_or(Kind::Opaque, |t| classify_at(t, uses, depth))
    };
    match name.as_str() {
        n if n.starts_with("Atomic") || n.starts_with("ArcSwap") => Kind::Atomic {
            ptr: n == "AtomicPtr",
            flag: n == "AtomicBool",
        },
        // Not `ReentrantLock`: std's is unstable, and a type of that name is most likely
        // the crate's own (this project's runtime has one).
        "Mutex" | "RwLock" | "ReentrantMutex" | "FairMutex" | "SpinMutex" | "SpinRwLock" => {
            Kind::Lock {
                family: family(&full_path(path, uses)),
                rw: name.contains("RwLock"),
                reentrant: name.starts_with("Reentrant"),
                inner: args.first().map(|t| pretty(t)).unwrap_or_default(),
            }
        }
        "LazyLock" | "Lazy" | "SyncLazy" | "LazyCell" => match inner() {
            lock @ (Kind::Lock { .. } | Kind::Atomic { .. }) => lock,
            _ => Kind::Lazy {
                inner: args.first().map(|t| pretty(t)).unwrap_or_default(),
            },
        },
        "OnceLock" | "OnceCell" | "SyncOnceCell" | "OnceBox" | "OnceNonZeroUsize" => {
            match inner() {
                lock @ Kind::Lock { .. } => lock,
                _ => Kind::OnceCell,
            }
        }
        "Once" => Kind::Once,
        // singleton-runtime's types, used without the attribute (imported or spelled
        // with the crate's path; a user type of the same name is not ours).
        "GuardedGlobal" | "Singleton" | "InitOnce" | "InvalidatingCache"
            if full_path(path, uses).starts_with("singleton_runtime::") =>
        {
            Kind::Annotated
        }
        "Condvar" => Kind::Condvar,
        n if PASS_THROUGH.contains(&n) => {
            if args.is_empty() {
                Kind::Opaque
            } else {
                strongest(args.iter().map(|t| classify_at(t, uses, depth)))
            }
        }
        n if IMMUTABLE.contains(&n) => Kind::Immutable,
        _ => Kind::Opaque,
    }
}

/// A type as written, with the spaces `quote` puts between tokens removed where
/// Rust programmers don't write them.
pub(crate) fn pretty(ty: &Type) -> String {
    tidy(&ty.to_token_stream().to_string())
}

pub(crate) fn tidy(tokens: &str) -> String {
    let mut out = tokens
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" <", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& '", "&'")
        .replace("& ", "&")
        .replace("[ ", "[")
        .replace(" ]", "]")
        .replace(" ;", ";")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace("* const ", "*const ")
        .replace("* mut ", "*mut ");
    out.shrink_to_fit();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(ty: &str, uses: &[(&str, &str)]) -> Kind {
        let ty: Type = syn::parse_str(ty).unwrap();
        let uses = uses
            .iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect();
        classify(&ty, &uses)
    }

    #[test]
    fn locks_through_lazy_wrappers_keep_their_family_and_inner_type() {
        assert_eq!(
            kind_of("LazyLock<Mutex<HashMap<String, u32>>>", &[]),
            Kind::Lock {
                family: "std",
                rw: false,
                reentrant: false,
                inner: "HashMap<String, u32>".into()
            }
        );
        assert_eq!(
            kind_of(
                "Lazy<RwLock<Vec<u8>>>",
                &[("RwLock", "parking_lot::RwLock")]
            ),
            Kind::Lock {
                family: "parking_lot",
                rw: true,
                reentrant: false,
                inner: "Vec<u8>".into()
            }
        );
        assert_eq!(
            kind_of("tokio::sync::Mutex<u8>", &[]),
            Kind::Lock {
                family: "tokio",
                rw: false,
                reentrant: false,
                inner: "u8".into()
            }
        );
    }

    #[test]
    fn atomics_once_cells_and_immutables() {
        assert_eq!(
            kind_of("AtomicBool", &[]),
            Kind::Atomic {
                ptr: false,
                flag: true
            }
        );
        assert_eq!(
            kind_of("AtomicPtr<Registry>", &[]),
            Kind::Atomic {
                ptr: true,
                flag: false
            }
        );
        assert_eq!(kind_of("[AtomicUsize; 4]", &[]).name(), "atomic");
        assert_eq!(kind_of("OnceLock<Config>", &[]), Kind::OnceCell);
        assert_eq!(
            kind_of("LazyLock<Regex>", &[]),
            Kind::Lazy {
                inner: "Regex".into()
            }
        );
        assert_eq!(kind_of("&'static str", &[]), Kind::Immutable);
        assert_eq!(kind_of("[u8; 4]", &[]), Kind::Immutable);
        assert_eq!(kind_of("Config", &[]), Kind::Opaque);
        assert_eq!(kind_of("(Mutex<u8>, Condvar)", &[]).name(), "mutex");
        assert_eq!(kind_of("Once", &[]), Kind::Once);
        let ours = [("GuardedGlobal", "singleton_runtime::GuardedGlobal")];
        assert_eq!(kind_of("GuardedGlobal<u32>", &ours), Kind::Annotated);
        assert_eq!(
            kind_of("singleton_runtime::Singleton<u32>", &[]),
            Kind::Annotated
        );
        assert_eq!(kind_of("Singleton", &[]), Kind::Opaque);
        assert_eq!(kind_of("ReentrantLock", &[]), Kind::Opaque);
        let renamed = [("StdAtomicUsize", "std::sync::atomic::AtomicUsize")];
        assert_eq!(kind_of("StdAtomicUsize", &renamed).name(), "atomic");
    }

    #[test]
    fn pretty_prints_like_written_code() {
        let ty: Type = syn::parse_str("& 'static [ std :: sync :: Mutex < u8 > ]").unwrap();
        assert_eq!(pretty(&ty), "&'static [std::sync::Mutex<u8>]");
        let ty: Type = syn::parse_str("* const Registry").unwrap();
        assert_eq!(pretty(&ty), "*const Registry");
    }
}
