//! Pieces of the stubs that stand next to a macro's errors (see
//! `AttributeMacro::fallback`): signatures the user's call sites type-check against,
//! bodies that are never run (the program does not compile).

/// The fn `item` as written, under a name of its own, private and never called: beside
/// a stub whose body is `unreachable!()`, it keeps the user's body checked where it was
/// written (a mistake in it is still reported; the imports it uses are still used).
/// Only its `cfg` and lint attributes are kept, and neither `const` nor an ABI (each an
/// error of the macro already, or a second name for the symbol). Nothing for an item
/// that is not a fn.
pub(crate) fn as_written(item: &proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let Ok(syn::Item::Fn(mut f)) = syn::parse2::<syn::Item>(item.clone()) else {
        return proc_macro2::TokenStream::new();
    };
    let kept = ["cfg", "allow", "warn", "deny", "forbid", "expect"];
    f.attrs
        .retain(|attr| kept.iter().any(|name| attr.path().is_ident(name)));
    f.vis = syn::Visibility::Inherited;
    f.sig.constness = None;
    f.sig.abi = None;
    let name = format!("__{}_as_written", super::name_of(&f.sig.ident));
    f.sig.ident = syn::Ident::new(&name, f.sig.ident.span());
    quote::quote! {
        #[doc(hidden)]
        #[allow(dead_code)]
        #f
    }
}

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
