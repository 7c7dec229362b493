//! Wraps the body: `fn f(args) -> T` becomes `fn f(args) -> Result<T, AlreadyInitialized>`.
//!
//! The fn gains `#[track_caller]`, so the location recorded for the first call (and
//! shown by every later error) is the caller's, not this expansion's. The body becomes
//! a closure passed straight to `InitOnce::call`, so `return` and `?` keep their meaning
//! and the closure's return type is inferred from the fn's.

use proc_macro2::TokenStream;
use quote::quote;

use super::validate::Form;

pub(crate) fn expand(form: &Form) -> TokenStream {
    let Form { item, output } = form;
    let syn::ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let name = sig.ident.to_string();
    let mut sig = sig.clone();
    sig.output = syn::parse_quote! {
        -> ::core::result::Result<#output, ::singleton_runtime::__private::AlreadyInitialized>
    };
    quote! {
        #(#attrs)*
        #[track_caller]
        #vis #sig {
            // The static lives in the receiver's block, the body in the closure after
            // it: the body cannot see the static, nor shadow it.
            ({
                static __INIT_ONCE: ::singleton_runtime::__private::InitOnce =
                    ::singleton_runtime::__private::InitOnce::new(#name);
                &__INIT_ONCE
            })
            .call(::core::panic::Location::caller(), move || #block)
        }
    }
}
