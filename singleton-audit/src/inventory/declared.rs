//! The bodies of `lazy_static!`, `thread_local!` and `task_local!`: the statics they
//! declare, parsed like the items they expand to.

use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Expr, Token, Type, Visibility};

/// One declaration inside `lazy_static!`, `thread_local!` or `task_local!`.
pub(super) struct MacroStatic {
    pub(super) attrs: Vec<Attribute>,
    pub(super) name: syn::Ident,
    pub(super) ty: Type,
    pub(super) init: Option<Expr>,
}

/// The body of `lazy_static!` (`static ref NAME: T = e;`), `thread_local!`
/// (`static NAME: T = [const] e;`) or `task_local!` (`static NAME: T;`).
pub(super) struct MacroStatics(pub(super) Vec<MacroStatic>);

impl Parse for MacroStatics {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut decls = Vec::new();
        while !input.is_empty() {
            let attrs = input.call(Attribute::parse_outer)?;
            let _: Visibility = input.parse()?;
            let _: Token![static] = input.parse()?;
            let _: Option<Token![ref]> = input.parse()?;
            let name: syn::Ident = input.parse()?;
            let _: Token![:] = input.parse()?;
            let ty: Type = input.parse()?;
            let init = if input.parse::<Option<Token![=]>>()?.is_some() {
                Some(input.parse::<Expr>()?)
            } else {
                None
            };
            decls.push(MacroStatic {
                attrs,
                name,
                ty,
                init,
            });
            if input.is_empty() {
                break;
            }
            let _: Token![;] = input.parse()?;
        }
        Ok(MacroStatics(decls))
    }
}
