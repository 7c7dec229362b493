//! Writes the code of a valid [`Loader`]:
//!
//! ```text
//! fn name() -> Result<CacheRef<T>, Arc<E>> {       // the user's attrs
//!     fn cache() -> &'static InvalidatingCache<T, E> { unreachable!() }  // stand-in
//!     { use name::*; cache().get() }            // the module's `cache` shadows the stand-in
//! }
//! mod name {                                   // same name, type namespace
//!     use super::*;                            // T and E as the user wrote them
//!     pub(super) struct __Cache;
//!     trait __Unlinked { fn get<C>() -> &'static C { unreachable!() } }  // stand-in
//!     pub fn cache() { __Cache::get() }        // the inherent `get` below wins over it
//!     pub fn with(f) / get_with_generation() / subscribe() / invalidate() / reload()
//!     pub fn last_error() / generation() / last_loaded()
//! }
//! const _: () = {                              // at the user's level, so the loader body,
//!     fn __load(path: &Path) -> Result<T, E> { <body> }  // `path` and `check_interval`
//!     static __CACHE: InvalidatingCache<T, E> = new_cache_checked("name", __path, __load, ...); // resolve
//!     struct __Cache;                          // stand-in                  // where written
//!     const _: () = {
//!         use name::*;                         // the module's `__Cache` shadows the stand-in
//!         impl __Cache { fn get() -> &'static InvalidatingCache<T, E> { &__CACHE } }
//!     };
//! };
//! ```
//!
//! The module is reached by name from outside it only through glob imports, each with a
//! stand-in that the glob shadows: if `name` is already a module in scope, the glob
//! imports nothing, the stand-ins are used, and rustc's "defined multiple times" is the
//! only error (the stand-ins never run: that program does not compile). The loader body
//! stays outside the globs, so the module's fns cannot shadow names it uses.
//! The module's signatures are the only tokens resolved inside the module: `self::`
//! and `super::` paths in them are shifted up one level.

use proc_macro2::{Ident, Punct, Spacing, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

use super::validate::Loader;
use crate::common;

pub(crate) fn expand(loader: &Loader) -> TokenStream {
    let Loader {
        attrs,
        vis,
        ident,
        value,
        error,
        ..
    } = loader;
    let fn_doc = fn_doc(loader);
    let module = control_module(loader);
    let cache = cache_impl(loader);
    let cache_ty = cache_type(loader);
    // Runtime panics (a loader that needs its own cache) point at the caller.
    let track_caller =
        (!attrs.iter().any(|a| a.path().is_ident("track_caller"))).then(|| quote!(#[track_caller]));
    let rt = common::private();
    quote! {
        #(#attrs)*
        #[doc = ""]
        #[doc = " # Cache"]
        #[doc = ""]
        #[doc = #fn_doc]
        #[doc = ""]
        #[doc = " # Errors"]
        #[doc = ""]
        #[doc = " The loader's error, shared by every caller of that load, while there is no good value yet."]
        // clippy drops doc lines that come from a proc macro: in a loader a local
        // `macro_rules` generated, it would not see the section above.
        #[allow(clippy::missing_errors_doc)]
        #track_caller
        #vis fn #ident() -> ::core::result::Result<#rt::CacheRef<#value>, ::std::sync::Arc<#error>> {
            #[allow(dead_code)]
            fn cache() -> &'static #cache_ty {
                ::core::unreachable!("stands in for a module that failed to compile")
            }
            {
                #[allow(unused_imports)]
                use #ident::*;
                cache().get()
            }
        }

        #module

        #cache
    }
}

/// The paragraph appended to the cached fn's docs.
fn fn_doc(loader: &Loader) -> String {
    let module = doc_link(&loader.ident, "mod", "");
    let path_text = tidy(&loader.args.path.to_token_stream());
    let interval_text = loader.args.check_interval.as_ref().map_or_else(
        || "1 s (the default)".to_owned(),
        |i| format!("`{}`", tidy(&i.to_token_stream())),
    );
    format!(
        " Cached by `#[invalidating_cache]`: loads `{path_text}` on the first call, and again \
         when the file changes (checked at most every {interval_text}). A failed reload keeps the \
         last good value; see the {module} module to invalidate, reload or inspect."
    )
}

/// `mod name { invalidate, reload, last_error, generation, last_loaded, cache }`.
fn control_module(loader: &Loader) -> TokenStream {
    let Loader {
        cfg_attrs,
        vis,
        ident,
        value,
        error,
        ..
    } = loader;
    let (value, error) = (from_child_module(value), from_child_module(error));
    let (rt, runtime) = (common::private(), common::runtime());
    let result = quote!(::core::result::Result<#rt::CacheRef<#value>, ::std::sync::Arc<#error>>);
    let testing = crate::common::testing_api(
        &quote!(pub),
        &value,
        &quote!(cache()),
        "the cached value (the file is not read)",
        " Forgets the value and the errors: the next call loads as the first one did, on \
         every thread. Needs the `testing` feature of `singleton-runtime`.",
        None,
    );
    let cached_fn = doc_link(ident, "fn", "()");
    let mod_doc =
        format!(" The cache behind {cached_fn}: invalidate it, reload it, see its last error.");
    quote! {
        #(#cfg_attrs)*
        #[doc = #mod_doc]
        #[allow(dead_code)]
        #vis mod #ident {
            #[allow(unused_imports)]
            use super::*;

            #[doc(hidden)]
            pub(super) struct __Cache;

            // Stands in for `__Cache::get` if the impl beside the loader could not reach
            // this module (its name clashed): one error, not one here too.
            trait __Unlinked {
                fn get<C>() -> &'static C {
                    ::core::unreachable!("stands in for an impl that failed to compile")
                }
            }
            impl __Unlinked for __Cache {}

            #[doc = " The cache itself, for everything else it offers (`peek`, `failures`, `fingerprint`, ...)."]
            #[must_use]
            pub fn cache() -> &'static #runtime::InvalidatingCache<#value, #error> {
                __Cache::get()
            }

            #[doc = " Runs `f` on the cached value: the fastest read (no reference count, no shared"]
            #[doc = " cache line written); see `InvalidatingCache::with`."]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = " The loader's error, while there is no good value yet."]
            #[track_caller]
            pub fn with<__R>(f: impl ::core::ops::FnOnce(&#value) -> __R) -> ::core::result::Result<__R, ::std::sync::Arc<#error>> {
                cache().with(f)
            }

            #[doc = " The cached value and the generation it was loaded as, read together."]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = " The loader's error, while there is no good value yet."]
            #[track_caller]
            pub fn get_with_generation() -> ::core::result::Result<(#rt::CacheRef<#value>, u64), ::std::sync::Arc<#error>> {
                cache().get_with_generation()
            }

            #[doc = " A subscription to reloads: wait for one (`recv_timeout`), or await one (`changed`)."]
            #[must_use]
            pub fn subscribe() -> #rt::Subscription<'static, #value, #error> {
                cache().subscribe()
            }

            #[doc = " Makes the next call reload, even if the file looks unchanged; no call after this"]
            #[doc = " returns gets a value loaded before it."]
            pub fn invalidate() {
                cache().invalidate();
            }

            #[doc = " Loads the file now and returns the outcome of that load."]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = " The error of that load; the cache keeps serving its last good value meanwhile."]
            #[track_caller]
            pub fn reload() -> #result {
                cache().reload()
            }

            #[doc = " The error of the most recent load if it failed; `None` once a load succeeds."]
            #[must_use]
            pub fn last_error() -> ::core::option::Option<::std::sync::Arc<#error>> {
                cache().last_error()
            }

            #[doc = " How many loads have succeeded (0 before the first value)."]
            #[must_use]
            pub fn generation() -> u64 {
                cache().generation()
            }

            #[doc = " When the current value finished loading, if there is one."]
            #[must_use]
            pub fn last_loaded() -> ::core::option::Option<::std::time::SystemTime> {
                cache().last_loaded()
            }

            #testing
        }
    }
}

/// `` [`name()`](fn@name) `` in a doc; for a raw identifier (`r#type`), which rustdoc
/// cannot resolve, the name as the user reads it without a link: `` `type()` ``.
fn doc_link(ident: &syn::Ident, kind: &str, suffix: &str) -> String {
    let name = common::name_of(ident);
    if *ident == name {
        format!("[`{name}{suffix}`]({kind}@{name})")
    } else {
        format!("`{name}{suffix}`")
    }
}

/// `InvalidatingCache<T, E>`, as the user's level names it.
fn cache_type(loader: &Loader) -> TokenStream {
    let Loader { value, error, .. } = loader;
    let rt = common::private();
    quote!(#rt::InvalidatingCache<#value, #error>)
}

/// The `static` cache, at the user's level so that the loader body and the argument
/// expressions resolve where they were written, and the impl that hands it to the
/// module.
/// With `watch = ...`: the fn that starts the watcher (and the check that the feature
/// is on, at the flag), and the `Option` handed to the cache.
fn watch_parts(flag: Option<&impl Spanned>) -> (TokenStream, TokenStream) {
    match flag {
        Some(flag) => (
            {
                let rt = common::private_at(flag.span());
                quote_spanned! {flag.span()=>
                    const _: () = #rt::watch_feature::<#rt::WatchFeature>();
                    fn __watch() {
                        #rt::watch(&__CACHE);
                    }
                }
            },
            quote!(::core::option::Option::Some(__watch)),
        ),
        None => (TokenStream::new(), quote!(::core::option::Option::None)),
    }
}

fn cache_impl(loader: &Loader) -> TokenStream {
    let Loader {
        lint_attrs,
        cfg_attrs,
        ident,
        param,
        output,
        block,
        args,
        ..
    } = loader;
    let rt = common::private();
    let path = &args.path;
    let path_fn = quote_spanned! {path.span()=>
        fn __path() -> ::std::path::PathBuf {
            #rt::path_buf(#path)
        }
    };
    let (interval_fn, interval) = match &args.check_interval {
        Some(interval) => (
            quote_spanned! {interval.span()=>
                fn __check_interval() -> ::core::time::Duration {
                    #interval
                }
            },
            quote!(::core::option::Option::Some(__check_interval)),
        ),
        None => (TokenStream::new(), quote!(::core::option::Option::None)),
    };
    let (watch_fn, watch) = watch_parts(args.watch.as_ref());
    // `Box<dyn Error + Send + Sync>`: stored as the runtime's `BoxedError`.
    let (shared_fn, load) = if loader.boxed_error {
        let value = &loader.value;
        let input = if loader.context {
            quote!(&mut #rt::LoadContext)
        } else {
            quote!(&::std::path::Path)
        };
        (
            quote! {
                fn __load_shared(
                    input: #input,
                ) -> ::core::result::Result<#value, #rt::BoxedError> {
                    __load(input).map_err(#rt::BoxedError::from)
                }
            },
            quote_spanned!(output.span()=> __load_shared),
        )
    } else {
        (TokenStream::new(), quote_spanned!(output.span()=> __load))
    };
    let constructor = if loader.context {
        quote_spanned!(output.span()=> new_context_cache_checked)
    } else {
        quote_spanned!(output.span()=> new_cache_checked)
    };
    let cache_ty = cache_type(loader);
    // The cache's name in runtime messages, as the user wrote it.
    let name = common::name_of(ident);
    // A non-`Send + Sync` `T` or `E` is reported here, at the return type.
    let rt_at_output = common::private_at(output.span());
    let new_cache = crate::diagnostics::checked_types(
        output.span(),
        "cached_type",
        &[&loader.value, &loader.error],
        &quote_spanned!(output.span()=> #rt_at_output::#constructor),
        &quote!(#name, __path, #load, #interval, #watch),
    );
    quote! {
        #(#cfg_attrs)*
        const _: () = {
            #(#lint_attrs)*
            fn __load(#param) -> #output #block
            #path_fn
            #interval_fn
            #watch_fn
            #shared_fn
            static __CACHE: #cache_ty = #new_cache;
            // Stands in for the module's `__Cache` if `name` is not that module.
            #[allow(dead_code)]
            struct __Cache;
            const _: () = {
                #[allow(unused_imports)]
                use #ident::*;
                impl __Cache {
                    fn get() -> &'static #cache_ty {
                        &__CACHE
                    }
                }
            };
        };
    }
}

/// `tokens` as they read in a child module: `self::x` becomes `super::x` and
/// `super::x` becomes `super::super::x` (other paths resolve through `use super::*`).
fn from_child_module(tokens: &impl ToTokens) -> TokenStream {
    shift(tokens.to_token_stream())
}

fn shift(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut after_colons = false;
    for token in tokens {
        let mut next_after_colons = false;
        match &token {
            TokenTree::Ident(ident) if !after_colons && ident == "self" => {
                out.push(TokenTree::Ident(Ident::new("super", ident.span())));
            }
            TokenTree::Ident(ident) if !after_colons && ident == "super" => {
                out.push(TokenTree::Ident(Ident::new("super", ident.span())));
                out.push(TokenTree::Punct(Punct::new(':', Spacing::Joint)));
                out.push(TokenTree::Punct(Punct::new(':', Spacing::Alone)));
                out.push(token.clone());
            }
            TokenTree::Group(group) => {
                let mut shifted = proc_macro2::Group::new(group.delimiter(), shift(group.stream()));
                shifted.set_span(group.span());
                out.push(TokenTree::Group(shifted));
            }
            TokenTree::Punct(punct) if punct.as_char() == ':' => {
                // The second `:` of a `::` is preceded by a joint `:`.
                next_after_colons = true;
                out.push(token.clone());
            }
            _ => out.push(token.clone()),
        }
        after_colons = next_after_colons;
    }
    out.into_iter().collect()
}

/// Tokens as a doc comment shows them: `fixture ("a")` reads better as `fixture("a")`.
/// Spaces inside string literals are kept.
fn tidy(tokens: &TokenStream) -> String {
    let text = tokens.to_string();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == '"' && (i == 0 || chars[i - 1] != '\\') {
            in_string = !in_string;
        }
        if c == ' ' && !in_string {
            let before = out.chars().last();
            let after = chars.get(i + 1).copied();
            let glued_before = matches!(before, Some('(' | '[' | '.' | ':' | '&' | '!'));
            let glued_after = matches!(after, Some('(' | ')' | '[' | ']' | '.' | ',' | ':' | '!'));
            if glued_before || glued_after {
                continue;
            }
        }
        out.push(c);
    }
    out
}
