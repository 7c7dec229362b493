//! Wraps the body: `fn f(args) -> T` becomes `fn f(args) -> Result<T, AlreadyInitialized>`.
//!
//! The fn gains `#[track_caller]`, so the location recorded for the first call (and
//! shown by every later error) is the caller's, not this expansion's. The body becomes
//! a closure passed straight to `InitOnce::call`, so `return` and `?` keep their meaning.
//! The closure is annotated with the fn's return type, as `#[singleton]` does, so that
//! an early `return Box::new(|| 1)` coerces to `Box<dyn Fn() -> u8>` as in the fn;
//! except for a return type containing `impl Trait`, which a closure cannot name.

use proc_macro2::TokenStream;
use quote::quote;

use super::args::Args;
use super::validate::Form;
use crate::common;

pub(crate) fn expand(form: &Form, args: &Args) -> TokenStream {
    let Form { item, output } = form;
    let syn::ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let name = common::name_of(&sig.ident);
    let impl_trait = common::unstorable(output)
        .iter()
        .any(|found| matches!(found, common::Unstorable::ImplTrait(_)));
    let returns = (!impl_trait).then(|| quote!(-> #output));
    // The fn now returns a `Result`: its docs (if any) say when it is an error, and
    // clippy's `missing_errors_doc` is allowed, because clippy drops doc lines that come
    // from a proc macro and would not see that section in a fn a local `macro_rules`
    // generated.
    let documented = attrs.iter().any(|a| a.path().is_ident("doc"));
    let errors_doc = (documented && !has_errors_section(attrs)).then(|| {
        quote! {
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = ""]
            #[doc = "`AlreadyInitialized` if a call has already run the body, or is running it on another thread."]
        }
    });
    let mut sig = sig.clone();
    sig.output = syn::parse_quote! {
        -> ::core::result::Result<#output, ::singleton_runtime::__private::AlreadyInitialized>
    };
    let rt = quote!(::singleton_runtime::__private);
    // Both forms share the fn: its docs, lints and annotated closure; only the
    // receiver differs (a reset fn needs the static registered, see below).
    let function = |receiver: TokenStream| {
        quote! {
            #(#attrs)*
            #errors_doc
            #[allow(clippy::missing_errors_doc)]
            #[track_caller]
            #vis #sig {
                // The static lives in the receiver's block, the body in the closure after
                // it: the body cannot see the static, nor shadow it.
                ({
                    static __INIT_ONCE: #rt::InitOnce = #rt::InitOnce::new(#name);
                    #receiver
                })
                .call(::core::panic::Location::caller(), move || #returns #block)
            }
        }
    };
    let Some(reset) = &args.reset else {
        return function(quote!(&__INIT_ONCE));
    };
    // The reset fn cannot name the static: the two fns may be associated fns, where no
    // item both can name may be declared. They share an id instead (module, place,
    // name, and the number of this expansion in the crate's build: a `macro_rules` that
    // writes `impl $t { #[init_once(reset = ..)] fn setup() .. }` for several types
    // puts them all at one place, in one module, under one name), under which the fn
    // registers its static when called.
    let expansion = next_expansion();
    let id = quote!(::core::concat!(
        ::core::module_path!(), "::", #name, "@", ::core::file!(), ":",
        ::core::line!(), ":", ::core::column!(), "#", #expansion
    ));
    let reset_doc = format!(
        " Makes the next call of `{name}` run its body again, on every thread. Needs the \
         `testing` feature of `singleton-runtime`."
    );
    let cfgs = attrs.iter().filter(|a| a.path().is_ident("cfg"));
    let bound = crate::common::testing_bound();
    let function = function(quote!(#rt::register_init_once(#id, &__INIT_ONCE)));
    quote! {
        #function

        #(#cfgs)*
        #[doc = #reset_doc]
        #[allow(clippy::extra_unused_lifetimes)]
        #vis fn #reset()
        #bound
        {
            #rt::reset_init_once(#id);
        }
    }
}

/// A number no other `#[init_once(reset = ..)]` expansion of this compilation has:
/// rustc runs a crate's proc macros in one process, and expands each item once.
fn next_expansion() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // singleton-audit: allow(a counter of the macro's own expansions, in the compiler process)
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Whether the docs already have an `# Errors` section (a fn returning its own `Result`):
/// a second heading would be added otherwise.
fn has_errors_section(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| match &attr.meta {
        syn::Meta::NameValue(doc) if doc.path.is_ident("doc") => matches!(
            common::peel_expr(&doc.value),
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. })
                if text.value().lines().any(|line| line.trim() == "# Errors")
        ),
        _ => false,
    })
}
