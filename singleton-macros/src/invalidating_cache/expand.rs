//! Writes the code of a valid [`Loader`]:
//!
//! ```text
//! fn name() -> Result<CacheRef<T>, Arc<E>> {       // the user's attrs
//!     <name::__Cache as FnCache>::cache().get()    // a plain path: see `common::link`
//! }
//! mod name {                                   // same name, type namespace
//!     pub(super) struct __Cache;               // the fn's visibility, seen from here
//!     // T and E as `<__Cache as FnCache>::Value` / `::Error`, under
//!     // `where for<'a> __Cache: FnCache`
//!     pub fn cache() { <__Cache as FnCache>::cache() }
//!     pub fn with(f) / get_with_generation() / subscribe() / invalidate() / reload()
//!     pub fn last_error() / generation() / last_loaded()
//! }
//! const _: () = {                              // at the user's level, so the loader body,
//!     fn __load(path: &Path) -> Result<T, E> { <body> }  // `path` and `check_interval`
//!     static __CACHE: InvalidatingCache<T, E> = new_cache_checked("name", __path, __load, ...); // resolve
//!     impl FnCache for name::__Cache {                                    // where written
//!         type Value = T; type Error = E; fn cache() { &__CACHE }
//!     }
//! };
//! ```
//!
//! The module never resolves the user's tokens: `T` and `E` reach it through the trait,
//! implemented where the loader is, so a loader in a fn body may cache a type declared
//! in that body. The module is reached by plain paths (`common::link`). The loader body
//! stays outside the module, so the module's fns cannot shadow names it uses.

use proc_macro2::TokenStream;
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
            <#ident::__Cache as #rt::FnCache>::cache().get()
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
        ..
    } = loader;
    let (rt, runtime) = (common::private(), common::runtime());
    let marker = quote!(<__Cache as #rt::FnCache>);
    let (value, error) = (quote!(#marker::Value), quote!(#marker::Error));
    let link = common::linked(&quote!(__Cache), &quote!(#rt::FnCache));
    let marker_vis = common::marker_vis(vis);
    let state = state_fns(&value, &error, &link);
    let testing = crate::common::testing_api(
        &quote!(pub),
        &value,
        &quote!(cache()),
        "the cached value (the file is not read)",
        " Forgets the value and the errors: the next call loads as the first one did, on \
         every thread. Needs the `testing` feature of `singleton-runtime`.",
        Some(&link),
    );
    let cached_fn = doc_link(ident, "fn", "()");
    let mod_doc =
        format!(" The cache behind {cached_fn}: invalidate it, reload it, see its last error.");
    quote! {
        #(#cfg_attrs)*
        #[doc = #mod_doc]
        #[allow(dead_code, clippy::extra_unused_lifetimes)]
        #vis mod #ident {
            #[doc(hidden)]
            #marker_vis struct __Cache;

            #[doc = " The cache itself, for everything else it offers (`peek`, `failures`, `fingerprint`, ...)."]
            #[must_use]
            pub fn cache() -> &'static #runtime::InvalidatingCache<#value, #error>
            where
                #link,
            {
                #marker::cache()
            }

            #[doc = " Runs `f` on the cached value: the fastest read (no reference count, no shared"]
            #[doc = " cache line written); see `InvalidatingCache::with`."]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = " The loader's error, while there is no good value yet."]
            #[track_caller]
            pub fn with<__R>(f: impl ::core::ops::FnOnce(&#value) -> __R) -> ::core::result::Result<__R, ::std::sync::Arc<#error>>
            where
                #link,
            {
                cache().with(f)
            }

            #state

            #testing
        }
    }
}

/// The module's fns over the cache's state: `get_with_generation`, `subscribe`,
/// `invalidate`, `reload`, `last_error`, `generation`, `last_loaded`; `value` and
/// `error` as the module names them, under `link`.
fn state_fns(value: &TokenStream, error: &TokenStream, link: &TokenStream) -> TokenStream {
    let rt = common::private();
    let result = quote!(::core::result::Result<#rt::CacheRef<#value>, ::std::sync::Arc<#error>>);
    quote! {
        #[doc = " The cached value and the generation it was loaded as, read together."]
        #[doc = ""]
        #[doc = " # Errors"]
        #[doc = ""]
        #[doc = " The loader's error, while there is no good value yet."]
        #[track_caller]
        pub fn get_with_generation() -> ::core::result::Result<(#rt::CacheRef<#value>, u64), ::std::sync::Arc<#error>>
        where
            #link,
        {
            cache().get_with_generation()
        }

        #[doc = " A subscription to reloads: wait for one (`recv_timeout`), or await one (`changed`)."]
        #[must_use]
        pub fn subscribe() -> #rt::Subscription<'static, #value, #error>
        where
            #link,
        {
            cache().subscribe()
        }

        #[doc = " Makes the next call reload, even if the file looks unchanged; no call after this"]
        #[doc = " returns gets a value loaded before it."]
        pub fn invalidate()
        where
            #link,
        {
            cache().invalidate();
        }

        #[doc = " Loads the file now and returns the outcome of that load."]
        #[doc = ""]
        #[doc = " # Errors"]
        #[doc = ""]
        #[doc = " The error of that load; the cache keeps serving its last good value meanwhile."]
        #[track_caller]
        pub fn reload() -> #result
        where
            #link,
        {
            cache().reload()
        }

        #[doc = " The error of the most recent load if it failed; `None` once a load succeeds."]
        #[must_use]
        pub fn last_error() -> ::core::option::Option<::std::sync::Arc<#error>>
        where
            #link,
        {
            cache().last_error()
        }

        #[doc = " How many loads have succeeded (0 before the first value)."]
        #[must_use]
        pub fn generation() -> u64
        where
            #link,
        {
            cache().generation()
        }

        #[doc = " When the current value finished loading, if there is one."]
        #[must_use]
        pub fn last_loaded() -> ::core::option::Option<::std::time::SystemTime>
        where
            #link,
        {
            cache().last_loaded()
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
    let (value, error) = (&loader.value, &loader.error);
    let link_impl = quote! {
        #[automatically_derived]
        impl #rt::FnCache for #ident::__Cache {
            type Value = #value;
            type Error = #error;
            fn cache() -> &'static #cache_ty {
                &__CACHE
            }
        }
    };
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
            #link_impl
        };
    }
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
