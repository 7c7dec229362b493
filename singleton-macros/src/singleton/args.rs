//! `#[singleton(init = path, error = Type)]`.

use proc_macro2::TokenStream;

use crate::common::{self, KeyValue};

/// The parsed attribute arguments.
#[derive(Default)]
pub(crate) struct Args {
    /// `init = path::to::fn` or `init = || expr`: builds the struct instead of `Default`.
    pub(crate) init: Option<Init>,
    /// `error = Type`: `init` returns `Result<Self, Type>`.
    pub(crate) error: Option<KeyValue<syn::Type>>,
}

/// The `init` argument, with its key for error spans.
pub(crate) struct Init {
    pub(crate) key: syn::Ident,
    pub(crate) expr: syn::Expr,
}

enum Value {
    Expr(syn::Expr),
    Type(syn::Type),
}

impl Args {
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let pairs = common::parse_args("singleton", tokens, &["init", "error"], |key, input| {
            if key == "error" {
                input.parse().map(Value::Type)
            } else {
                input.parse().map(Value::Expr)
            }
        })?;
        let mut args = Args::default();
        for KeyValue { key, value } in pairs {
            match value {
                Value::Expr(expr) => {
                    // Through the group of a `$init:expr` or `$init:path` fragment.
                    if !matches!(
                        common::peel_expr(&expr),
                        syn::Expr::Path(_) | syn::Expr::Closure(_)
                    ) {
                        return Err(syn::Error::new_spanned(
                            expr,
                            "`init` takes a path to a fn, e.g. `init = Registry::load`, or a \
                             closure, e.g. `init = || Registry::with_capacity(64)`",
                        ));
                    }
                    args.init = Some(Init { key, expr });
                }
                Value::Type(ty) => args.error = Some(KeyValue { key, value: ty }),
            }
        }
        Ok(args)
    }
}
