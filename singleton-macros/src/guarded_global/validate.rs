//! Checks the annotated item and turns it into a [`Global`], or reports every misuse
//! at its token with what to write instead.

use proc_macro2::TokenStream;

use super::args::Args;
use crate::common::{self, Errors};

/// A `static NAME: T = expr;`, checked.
pub(crate) struct Global {
    pub(crate) attrs: Vec<syn::Attribute>,
    pub(crate) vis: syn::Visibility,
    pub(crate) static_token: syn::Token![static],
    pub(crate) ident: syn::Ident,
    pub(crate) ty: syn::Type,
    pub(crate) expr: syn::Expr,
    /// The name in messages: `name = "..."`, else the static's identifier.
    pub(crate) name: syn::LitStr,
}

pub(crate) fn validate(args: Args, item: TokenStream) -> syn::Result<Global> {
    let parsed: syn::Item = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("{e}; `#[guarded_global]` goes on `static NAME: Type = expr;`"),
        )
    })?;
    let item = match parsed {
        syn::Item::Static(item) => item,
        syn::Item::Const(item) => {
            return Err(syn::Error::new_spanned(
                item.const_token,
                "`#[guarded_global]` goes on a `static`, not a `const`: a `const` is copied at \
                 every use, so there is no single value to guard; write `static` instead",
            ));
        }
        syn::Item::Fn(item) => {
            return Err(syn::Error::new_spanned(
                item.sig.fn_token,
                "`#[guarded_global]` goes on a `static`, not a fn: write \
                 `static NAME: Type = expr;`; for a value built once by a fn and never \
                 changed, use `#[singleton]` on the fn",
            ));
        }
        other => {
            return Err(syn::Error::new_spanned(
                common::item_keyword(&other),
                "`#[guarded_global]` goes on a `static`: write `static NAME: Type = expr;` \
                 and access it with `NAME.read(|value| ...)` and `NAME.write(|value| ...)`",
            ));
        }
    };
    let mut errors = Errors::default();
    if let syn::StaticMutability::Mut(mut_token) = item.mutability {
        errors.spanned(
            mut_token,
            "remove `mut`: a `#[guarded_global]` is changed through `NAME.write(|value| ...)`, \
             which the guard makes safe; `static mut` would bypass it",
        );
    }
    if let syn::Type::Infer(infer) = common::peel_type(&item.ty) {
        errors.spanned(
            infer,
            "write the type out: a `#[guarded_global]` needs `static NAME: Type = expr;`",
        );
    }
    errors.finish()?;
    Ok(global(args, item))
}

/// The [`Global`] a static stands for, whatever its `mut`: what `validate` accepts, and
/// the stub beside its errors (see `AttributeMacro::fallback`), where nothing is derived
/// from a `static` whose type is `_` (`None`).
pub(crate) fn repaired(args: Option<Args>, item: &TokenStream) -> Option<Global> {
    let syn::Item::Static(item) = syn::parse2::<syn::Item>(item.clone()).ok()? else {
        return None;
    };
    if let syn::Type::Infer(_) = common::peel_type(&item.ty) {
        return None;
    }
    Some(global(args.unwrap_or_default(), item))
}

fn global(args: Args, item: syn::ItemStatic) -> Global {
    let name = args
        .name
        .unwrap_or_else(|| syn::LitStr::new(&common::name_of(&item.ident), item.ident.span()));
    Global {
        attrs: item.attrs,
        vis: item.vis,
        static_token: item.static_token,
        ident: item.ident,
        ty: *item.ty,
        expr: *item.expr,
        name,
    }
}
