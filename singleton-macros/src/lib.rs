//! Attribute macros of the `singleton` crate.
//!
//! Do not depend on this crate directly: depend on `singleton-runtime`, which pins it
//! exactly and re-exports every macro, and whose docs describe what they expand to.
//! Each macro lives in a folder of its own: `args` parses the attribute, `validate`
//! rejects misuse with an error at the offending token, `expand` writes the code, and
//! `fallback` (where there is one) writes the stubs that stand beside an error; one
//! pipeline, `common::run`, chains them for all four.

#![forbid(unsafe_code)]

mod common;
mod diagnostics;
mod guarded_global;
mod init_once;
mod invalidating_cache;
mod singleton;

use proc_macro::TokenStream;

/// (The implementation lives in `singleton-macros`; depend on `singleton-runtime`.)
#[proc_macro_attribute]
pub fn singleton(args: TokenStream, item: TokenStream) -> TokenStream {
    singleton::expand(args.into(), item.into()).into()
}

/// (The implementation lives in `singleton-macros`; depend on `singleton-runtime`.)
#[proc_macro_attribute]
pub fn init_once(args: TokenStream, item: TokenStream) -> TokenStream {
    init_once::expand(args.into(), item.into()).into()
}

/// (The implementation lives in `singleton-macros`; depend on `singleton-runtime`.)
#[proc_macro_attribute]
pub fn guarded_global(args: TokenStream, item: TokenStream) -> TokenStream {
    guarded_global::expand(args.into(), item.into()).into()
}

/// (The implementation lives in `singleton-macros`; depend on `singleton-runtime`.)
#[proc_macro_attribute]
pub fn invalidating_cache(args: TokenStream, item: TokenStream) -> TokenStream {
    invalidating_cache::expand(args.into(), item.into()).into()
}
