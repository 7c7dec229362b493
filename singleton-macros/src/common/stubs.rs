//! Pieces of the stubs that stand next to a macro's errors (see
//! `AttributeMacro::fallback`): signatures the user's call sites type-check against,
//! bodies that are never run (the program does not compile).

/// `{ ::core::unreachable!() }`: the body of a stub.
pub(crate) fn unreachable_block() -> syn::Block {
    syn::parse_quote!({ ::core::unreachable!() })
}

/// `sig` with every parameter's pattern replaced by `_`: a stub's body does not use
/// them, and must not warn about that.
pub(crate) fn unnamed_params(sig: &mut syn::Signature) {
    for input in &mut sig.inputs {
        if let syn::FnArg::Typed(param) = input {
            *param.pat = syn::Pat::Wild(syn::PatWild {
                attrs: Vec::new(),
                underscore_token: syn::Token![_](proc_macro2::Span::call_site()),
            });
        }
    }
}

/// A fn whose generated surface (a module beside it, a `static` of its value type) can
/// be derived: no `self` (a method sits in an `impl`, where no module can), no generics
/// and no `where` clause (a `static` cannot depend on them), no C variadic.
pub(crate) fn free_and_concrete(sig: &syn::Signature) -> bool {
    sig.receiver().is_none()
        && sig.variadic.is_none()
        && sig.generics.params.is_empty()
        && sig.generics.where_clause.is_none()
}
