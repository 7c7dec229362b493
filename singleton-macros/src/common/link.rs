//! How the code beside a generated module (`mod name` next to `fn name`) reaches into
//! it, and how the module's fns name the user's types.
//!
//! The code beside the module names only its marker, by a plain path
//! (`<name::__Singleton as FnSingleton>::cell()`, `impl FnSingleton for
//! name::__Singleton`), never by a `use`: an import's first segment is resolved while
//! macros expand, and a name brought in by a glob of the user's (`use super::*;`, whose
//! parent has a module of the same name) is then ambiguous with the generated module
//! (E0659), where a plain path takes the generated module. Nor does that code declare
//! names of its own around the user's types, which would shadow a user type of the same
//! name. (The price: a fn named like a module already in scope gets rustc's E0428, then
//! one "cannot find type `__Singleton` in module `name`" at the attribute; the paths
//! are the same, so rustc reports it once.) The module's fns, which name the value type
//! through the marker's trait (implemented beside the module, where the user's types
//! are in scope, even those local to a fn body), carry the bound [`linked`]: with
//! `for<'a>` it is assumed where it is written and checked only where the fns are
//! called.

use proc_macro2::TokenStream;
use quote::quote;

/// The predicate that the module's fns name their value type under: `marker`
/// implements `trait_` (see the module docs).
pub(crate) fn linked(marker: &TokenStream, trait_: &TokenStream) -> TokenStream {
    quote!(for<'__link> #marker: #trait_)
}

/// `vis` (the fn's) as written in the module beside the fn, for the marker whose trait
/// impl names the user's types: a marker more visible than the fn would make a private
/// value type a hard error ("private type in public interface").
pub(crate) fn marker_vis(vis: &syn::Visibility) -> TokenStream {
    match vis {
        syn::Visibility::Public(_) => quote!(pub),
        syn::Visibility::Inherited => quote!(pub(super)),
        syn::Visibility::Restricted(r) => {
            let path = &r.path;
            if path.is_ident("self") {
                quote!(pub(super))
            } else if path.is_ident("super") {
                quote!(pub(in super::super))
            } else if path.is_ident("crate")
                || path.leading_colon.is_some()
                || path.segments.first().is_some_and(|s| s.ident == "crate")
            {
                quote!(#vis)
            } else {
                // `pub(in self::a)` and the like, seen from one level down.
                quote!(pub(in super::#path))
            }
        }
    }
}
