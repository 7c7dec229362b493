//! What stands next to `#[singleton]`'s errors: the item, and the surface the
//! expansion would have given it (`Type::instance()`, the fn returning `&'static T`,
//! its module) as stubs, so that the uses of that surface add no errors of their own.
//! Nothing is derived where the item itself is too broken (generics, no return type, a
//! type a `static` cannot hold or that borrows, `!`, a method): the item is emitted alone.

use proc_macro2::TokenStream;
use quote::quote;

use super::args::Args;
use super::expand;
use super::validate::{self, FnForm, Form};
use crate::common;

pub(super) fn fallback(args: Option<Args>, item: TokenStream) -> TokenStream {
    let args = args.unwrap_or_default();
    let stubs = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => {
            let written = common::as_written(&item);
            return fn_stub(&args, f).map_or(item, |stub| quote!(#stub #written));
        }
        Ok(syn::Item::Struct(s)) => type_stub(&args, &s.vis, &s.ident, &s.generics),
        Ok(syn::Item::Enum(e)) => type_stub(&args, &e.vis, &e.ident, &e.generics),
        _ => None,
    };
    quote!(#item #stubs)
}

/// The impl a struct or enum would have had: `instance()` (or `with_instance` for
/// `scope = thread`) and the test tools.
fn type_stub(
    args: &Args,
    vis: &syn::Visibility,
    ident: &syn::Ident,
    generics: &syn::Generics,
) -> Option<TokenStream> {
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        return None;
    }
    let returned = if let Some(error) = &args.error {
        let error = &error.value;
        quote!(::core::result::Result<&'static #ident, #error>)
    } else {
        quote!(&'static #ident)
    };
    let doc = "A stub: `#[singleton]` reported an error on this item.";
    let thread = validate::thread_scope(args).is_some();
    // `init`, called as `instance()` would call it (as declared: `async`, `error = E`,
    // whatever the scope), in a closure never called: still checked (its mistakes
    // reported, the fn it names used).
    let init = args.init.as_ref().map(|init| {
        let error = args.error.as_ref().map(|error| &error.value);
        let call = expand::init_call(ident, &init.expr, error, init.asyncness.is_some());
        quote!(let _ = || #call;)
    });
    let access = if thread {
        let runtime = common::runtime();
        quote! {
            #[doc = #doc]
            #vis fn with_instance<__R>(f: impl ::core::ops::FnOnce(&Self) -> __R) -> __R {
                #init
                ::core::unreachable!()
            }

            #[doc = #doc]
            #vis fn try_with_instance<__R>(
                f: impl ::core::ops::FnOnce(&Self) -> __R,
            ) -> ::core::result::Result<__R, #runtime::ThreadScopeError> {
                ::core::unreachable!()
            }
        }
    } else {
        let instance = if args
            .init
            .as_ref()
            .is_some_and(|init| init.asyncness.is_some())
        {
            quote! {
                #[doc = #doc]
                #vis fn instance(
                ) -> impl ::core::future::Future<Output = #returned> + ::core::marker::Send + 'static {
                    #init
                    async { ::core::unreachable!() }
                }

                #[doc = #doc]
                #vis fn instance_if_ready() -> ::core::option::Option<&'static #ident> {
                    ::core::unreachable!()
                }
            }
        } else {
            quote! {
                #[doc = #doc]
                #vis fn instance() -> #returned {
                    #init
                    ::core::unreachable!()
                }
            }
        };
        let testing = common::testing_stubs(
            &quote!(#vis),
            &quote!(Self),
            common::TestingNames::BESIDE_INSTANCE,
        );
        quote!(#instance #testing)
    };
    Some(quote! {
        #[automatically_derived]
        #[allow(unused_variables, dead_code)]
        impl #ident {
            #access
        }
    })
}

/// The fn as the expansion would have written it (with the module beside it), with
/// `unreachable!()` for a body, and its parameters kept (unnamed), so that calls
/// written for it type-check.
fn fn_stub(args: &Args, f: syn::ItemFn) -> Option<TokenStream> {
    let sig = &f.sig;
    if !common::free_and_concrete(sig) {
        return None;
    }
    let syn::ReturnType::Type(_, declared) = &sig.output else {
        return None;
    };
    let declared = (**declared).clone();
    let value = validate::result_value(&declared);
    let fallible = value.is_some();
    let value = value.unwrap_or_else(|| declared.clone());
    let thread = validate::thread_scope(args).is_some();
    if !common::unstorable(&value).is_empty()
        || matches!(common::peel_type(&value), syn::Type::Never(_))
        || validate::borrowed(&value).is_some()
        || (thread && fallible)
    {
        return None;
    }
    let mut sig = f.sig.clone();
    sig.constness = None;
    sig.abi = None;
    if thread {
        sig.asyncness = None;
    }
    common::unnamed_params(&mut sig);
    let returned = validate::static_ref_return(&declared, &value, fallible);
    Some(expand::expand(&Form::Fn(FnForm {
        attrs: f.attrs,
        vis: f.vis,
        sig,
        block: common::unreachable_block(),
        declared,
        value,
        returned,
        fallible,
        thread,
    })))
}
