//! What stands next to `#[init_once]`'s errors: the fn with the signature the
//! expansion would have given it (`-> Result<T, AlreadyInitialized>`, or
//! `-> Result<T, InitOnceError<E>>`), its body in a closure that is never called, then
//! `unreachable!()`, and the `state` const and `reset` fn when the arguments name them,
//! so that their uses add no errors of their own. The item alone where the return type
//! cannot be wrapped (`!`, `impl Trait`).

use proc_macro2::TokenStream;
use quote::quote;

use super::args::{Args, Concurrent};
use super::{expand, validate};
use crate::common;

pub(super) fn fallback(args: Option<Args>, item: TokenStream) -> TokenStream {
    let Ok(syn::Item::Fn(f)) = syn::parse2::<syn::Item>(item.clone()) else {
        return item;
    };
    let name = common::name_of(&f.sig.ident);
    let wait = args
        .as_ref()
        .is_none_or(|args| args.concurrent == Concurrent::Wait);
    let siblings = args
        .filter(|args| validate::check_names(args, &f.sig.ident).is_ok())
        .map(|args| {
            let id = quote!(::core::concat!(::core::module_path!(), "::<invalid>"));
            expand::siblings(&args, &f.attrs, &f.vis, &name, &id)
        });
    let stub = stub(f, &name, wait).unwrap_or(item);
    quote!(#stub #siblings)
}

fn stub(f: syn::ItemFn, name: &str, wait: bool) -> Option<TokenStream> {
    let output = match &f.sig.output {
        syn::ReturnType::Default => syn::parse_quote!(()),
        syn::ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let impl_trait = common::unstorable(&output)
        .iter()
        .any(|found| matches!(found, common::Unstorable::ImplTrait(_)));
    if impl_trait || matches!(common::peel_type(&output), syn::Type::Never(_)) {
        return None;
    }
    let fallible = common::result_args(&output).map(|args| args.into_iter().cloned().collect());
    let form = validate::Form {
        item: f,
        output,
        fallible,
    };
    let wrapped = expand::wrap(&form, name, wait);
    let syn::ItemFn {
        attrs,
        vis,
        mut sig,
        block,
    } = form.item;
    sig.output = wrapped.output;
    sig.abi = None;
    // The body as the expansion passes it, in a closure that is never called: still
    // checked where it was written (its mistakes reported, the names it uses used), in
    // the stub itself, so that nothing is added beside it (in a trait impl, an item the
    // trait lacks would be an error of its own).
    let output = &form.output;
    let asyncness = sig.asyncness;
    Some(quote! {
        #(#attrs)*
        #[allow(clippy::missing_errors_doc)]
        #vis #sig {
            let _ = #asyncness move || -> #output #block;
            ::core::unreachable!()
        }
    })
}
