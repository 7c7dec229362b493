//! Wraps the body: `fn f(args) -> T` becomes `fn f(args) -> Result<T, AlreadyInitialized>`.
//!
//! The fn gains `#[track_caller]`, so the location recorded for the first call (and
//! shown by every later error) is the caller's, not this expansion's. The body becomes
//! a closure passed straight to `InitOnce::call`, so `return` and `?` keep their meaning
//! and the closure's return type is inferred from the fn's.

use proc_macro2::TokenStream;
use quote::quote;

use super::args::Args;
use super::validate::Form;

pub(crate) fn expand(form: &Form, args: &Args) -> TokenStream {
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
    let rt = quote!(::singleton_runtime::__private);
    let Some(reset) = &args.reset else {
        return quote! {
            #(#attrs)*
            #[track_caller]
            #vis #sig {
                // The static lives in the receiver's block, the body in the closure after
                // it: the body cannot see the static, nor shadow it.
                ({
                    static __INIT_ONCE: #rt::InitOnce = #rt::InitOnce::new(#name);
                    &__INIT_ONCE
                })
                .call(::core::panic::Location::caller(), move || #block)
            }
        };
    };
    // The reset fn cannot name the static: the two fns may be associated fns, where no
    // item both can name may be declared. They share an id instead (module, place,
    // name: the same tokens, expanded at the same place), under which the fn registers
    // its static when called.
    let id = quote!(::core::concat!(
        ::core::module_path!(), "::", #name, "@", ::core::file!(), ":",
        ::core::line!(), ":", ::core::column!()
    ));
    let reset_doc = format!(
        " Makes the next call of `{name}` run its body again, on every thread. Needs the \
         `testing` feature of `singleton-runtime`."
    );
    let cfgs = attrs.iter().filter(|a| a.path().is_ident("cfg"));
    let bound = crate::common::testing_bound();
    quote! {
        #(#attrs)*
        #[track_caller]
        #vis #sig {
            ({
                static __INIT_ONCE: #rt::InitOnce = #rt::InitOnce::new(#name);
                #rt::register_init_once(#id, &__INIT_ONCE)
            })
            .call(::core::panic::Location::caller(), move || #block)
        }

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
