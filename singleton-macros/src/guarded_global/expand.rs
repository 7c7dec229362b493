//! Writes the expansion of a checked [`Global`].
//!
//! ```text
//! #[attrs] vis static NAME: GuardedGlobal<T> = guarded_global::<T>("NAME", || expr);
//! ```
//!
//! The initialiser is a non-capturing closure coerced to `fn() -> T`: it runs on first
//! access, so `expr` need not be `const` (`HashMap::new()` works), and its type errors
//! point at `expr`. The constructor requires `T: Send + Sync` through traits whose
//! messages say why; its path carries the span of `T`, so a value type that cannot be
//! shared is reported once, at the type.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::validate::Global;

pub(crate) fn expand(global: &Global) -> TokenStream {
    let Global {
        attrs,
        vis,
        static_token,
        ident,
        ty,
        expr,
        name,
    } = global;
    let private = quote!(::singleton_runtime::__private);
    let constructor = quote_spanned!(ty.span()=> #private::guarded_global::<#ty>);
    quote! {
        #(#attrs)*
        #vis #static_token #ident: #private::GuardedGlobal<#ty> = #constructor(#name, || #expr);
    }
}
