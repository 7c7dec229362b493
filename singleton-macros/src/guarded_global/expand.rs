//! Writes the expansion of a checked [`Global`].
//!
//! ```text
//! #[attrs] vis static NAME: GuardedGlobal<T> = { /* check T */ guarded_global_checked::<T, _, _>("NAME", || expr, &check) };
//! ```
//!
//! The initialiser is a non-capturing closure coerced to `fn() -> T`: it runs on first
//! access, so `expr` need not be `const` (`HashMap::new()` works), and its type errors
//! point at `expr`. `T: Send + Sync` is checked by `diagnostics::checked_types`, at the
//! span of `T`, with a message that says why: a value type that cannot be shared is
//! reported once, at the type.
//!
//! One exception: an initialiser `&expr` whose `expr` makes a temporary
//! (`&Vec::new()`, `&[1, 2]`) relies on promotion to `'static`, which happens in a
//! `static`'s initialiser but not in a closure's body (E0515 there). It is evaluated in a
//! `const` item inside the closure instead, as the `static` would have evaluated it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::validate::Global;
use crate::common;

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
    let private = common::private();
    let private_at_ty = common::private_at(ty.span());
    let constructor =
        quote_spanned!(ty.span()=> #private_at_ty::guarded_global_checked::<#ty, _, _>);
    let init = if borrows_a_temporary(expr) {
        // Spanned at `expr`: a non-const `expr` is reported there.
        quote_spanned! {expr.span()=>
            || {
                const __GUARDED_GLOBAL_INITIAL_VALUE: #ty = #expr;
                __GUARDED_GLOBAL_INITIAL_VALUE
            }
        }
    } else {
        quote!(|| #expr)
    };
    let checked = crate::diagnostics::checked_types(
        ty.span(),
        "guarded_value",
        &[ty],
        &constructor,
        &quote!(#name, #init),
    );
    quote! {
        #(#attrs)*
        #vis #static_token #ident: #private::GuardedGlobal<#ty> = #checked;
    }
}

/// `&expr` where `expr` is a value, not a place: the reference is `'static` only if the
/// temporary is promoted, which needs a const context. (`&OTHER_STATIC`, `&*leaked`,
/// `&x.field` borrow a place that outlives the closure already, and need not be const.)
fn borrows_a_temporary(expr: &syn::Expr) -> bool {
    let syn::Expr::Reference(reference) = common::peel_expr(expr) else {
        return false;
    };
    let place = matches!(
        common::peel_expr(&reference.expr),
        syn::Expr::Path(_)
            | syn::Expr::Field(_)
            | syn::Expr::Index(_)
            | syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                ..
            })
    );
    reference.mutability.is_none() && !place
}
