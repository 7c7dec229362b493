//! How the code beside a generated module (`mod name` next to `fn name`) reaches into
//! it, and how the module's fns stay free of errors when that fails.
//!
//! The module is reached by name only through a glob import, with a stand-in that the
//! glob shadows: if `name` is already a module in scope (rustc: "defined multiple
//! times"), the glob imports nothing, the stand-in is used, and that is the only error
//! (the stand-ins never run: that program does not compile). The module's fns, which
//! name the value type through the marker's trait (implemented beside the module,
//! where the user's types are in scope, even those local to a fn body), carry the
//! bound [`linked`]: with `for<'a>` it is assumed where it is written and checked only
//! where the fns are called, so an unlinked module is no error of its own.

use proc_macro2::TokenStream;
use quote::quote;

/// What a glob import of the module shadows.
pub(crate) enum StandIn<'a> {
    /// `struct name;` (a marker that a trait is implemented for).
    Struct(&'a syn::Ident),
    /// `fn name() -> returns { unreachable!() }`.
    Fn(&'a syn::Ident, TokenStream),
}

impl StandIn<'_> {
    fn item(&self) -> TokenStream {
        match self {
            Self::Struct(name) => quote! {
                #[allow(dead_code)]
                struct #name;
            },
            Self::Fn(name, returns) => quote! {
                #[allow(dead_code)]
                fn #name() -> #returns {
                    ::core::unreachable!("stands in for a module that failed to compile")
                }
            },
        }
    }
}

/// `items`, which name `stand_in` as the module `module` declares it: the stand-in,
/// and the items in a `const _` that glob-imports the module.
pub(crate) fn items_in(
    module: &syn::Ident,
    stand_in: &StandIn,
    items: &TokenStream,
) -> TokenStream {
    let stand_in = stand_in.item();
    quote! {
        #stand_in
        const _: () = {
            // The module may be `#[deprecated]` (with the fn): its users are warned, not this.
            #[allow(deprecated)]
            use #module::*;
            #items
        };
    }
}

/// `expr`, which names `stand_in` as the module `module` declares it: a block with the
/// stand-in and an inner block that glob-imports the module. Nothing else should be in
/// `expr`: the module's names shadow everything in it.
pub(crate) fn expr_in(module: &syn::Ident, stand_in: &StandIn, expr: &TokenStream) -> TokenStream {
    let stand_in = stand_in.item();
    quote! {
        {
            #stand_in
            {
                #[allow(deprecated)]
                use #module::*;
                #expr
            }
        }
    }
}

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
