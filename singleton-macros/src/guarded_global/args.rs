//! `#[guarded_global(name = "...")]`.

use proc_macro2::TokenStream;

use crate::common;

/// The parsed attribute arguments.
#[derive(Clone, Default)]
pub(crate) struct Args {
    /// `name = "..."`: the name used in panics and errors, instead of the static's.
    pub(crate) name: Option<syn::LitStr>,
}

impl Args {
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let pairs = common::parse_args("guarded_global", tokens, &["name"], |_, input| {
            let value: syn::Expr = input.parse()?;
            // Through the group of a `$name:expr` fragment.
            match common::peel_expr(&value).clone() {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(name),
                    ..
                }) if !name.value().trim().is_empty() => Ok(name),
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(name),
                    ..
                }) => Err(syn::Error::new_spanned(
                    name,
                    "`name` must not be empty: it names the global in lock panics and timeouts",
                )),
                other => Err(syn::Error::new_spanned(
                    other,
                    "`name` takes a string literal, e.g. `name = \"feature registry\"`",
                )),
            }
        })?;
        let mut args = Args::default();
        for pair in pairs {
            args.name = Some(pair.value);
        }
        Ok(args)
    }
}
