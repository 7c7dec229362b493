//! `#[invalidating_cache(path = <expr>, check_interval = <expr>, watch = <bool>)]`.

use proc_macro2::{Span, TokenStream};

use crate::common;

/// The parsed attribute arguments.
#[derive(Clone)]
pub(crate) struct Args {
    /// `path = ...`: any expression whose value is `AsRef<Path>`, evaluated at each
    /// check and load (never on a hit).
    pub(crate) path: syn::Expr,
    /// `check_interval = ...`: an expression of type `Duration`, evaluated at each
    /// check; `None` for the runtime's default.
    pub(crate) check_interval: Option<syn::Expr>,
    /// `watch = true`: the `true`, whose span reports a missing `watch` feature.
    pub(crate) watch: Option<syn::LitBool>,
}

impl Args {
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let pairs = common::parse_key_values(
            "invalidating_cache",
            tokens,
            &["path", "check_interval", "watch"],
        )?;
        let mut path = None;
        let mut check_interval = None;
        let mut watch = None;
        for pair in pairs {
            if pair.key == "path" {
                path = Some(pair.value);
            } else if pair.key == "watch" {
                // Through the group of a `$watch:expr` fragment.
                watch = match common::peel_expr(&pair.value) {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Bool(flag),
                        ..
                    }) => flag.value.then(|| flag.clone()),
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "`watch` takes `true` or `false`: `watch = true` picks up a change \
                             within milliseconds (needs the `watch` feature of `singleton-runtime`)",
                        ));
                    }
                };
            } else {
                check_interval = Some(pair.value);
            }
        }
        let path = path.ok_or_else(|| {
            syn::Error::new(
                Span::call_site(),
                "`#[invalidating_cache]` needs the file to cache: \
                 `#[invalidating_cache(path = \"config/app.toml\")]` \
                 (any expression whose value is `AsRef<Path>`)",
            )
        })?;
        Ok(Self {
            path,
            check_interval,
            watch,
        })
    }
}
