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
