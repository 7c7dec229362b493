//! `#[singleton(init = path, error = Type)]`, `init = async path` for an async
//! initialiser.

use proc_macro2::TokenStream;

use crate::common::{self, KeyValue};

/// The parsed attribute arguments.
#[derive(Clone, Default)]
pub(crate) struct Args {
    /// `init = path::to::fn` or `init = || expr`: builds the struct instead of `Default`.
    pub(crate) init: Option<Init>,
    /// `error = Type`: `init` returns `Result<Self, Type>`.
    pub(crate) error: Option<KeyValue<syn::Type>>,
    /// `scope = thread`: one instance per thread (the default, `process`, is one per
    /// process).
    pub(crate) scope: Option<KeyValue<Scope>>,
}

/// Where one instance lives.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Process,
    Thread,
}

/// The `init` argument, with its key for error spans.
#[derive(Clone)]
pub(crate) struct Init {
    pub(crate) key: syn::Ident,
    pub(crate) expr: syn::Expr,
    /// `init = async path` (or an async closure): `init` returns a future, and
    /// `instance()` is an `async fn`.
    pub(crate) asyncness: Option<syn::Token![async]>,
}

enum Value {
    Expr(Option<syn::Token![async]>, syn::Expr),
    Type(syn::Type),
    Scope(Scope),
}

impl Args {
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let allowed = ["init", "error", "scope"];
        let pairs = common::parse_args("singleton", tokens, &allowed, |key, input| {
            if key == "error" {
                input.parse().map(Value::Type)
            } else if key == "scope" {
                let scope: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
                match scope.to_string().as_str() {
                    "thread" => Ok(Value::Scope(Scope::Thread)),
                    "process" => Ok(Value::Scope(Scope::Process)),
                    other => Err(syn::Error::new_spanned(
                        &scope,
                        format!(
                            "unknown scope `{other}`: `scope = thread` makes one instance per \
                             thread, `scope = process` (the default) one per process"
                        ),
                    )),
                }
            } else {
                // `async path`: `async` is not part of an expression there (an async
                // closure or block is: `async || ..`, `async move ..`, `async { .. }`).
                let marked = input.peek(syn::Token![async])
                    && !input.peek2(syn::Token![|])
                    && !input.peek2(syn::Token![||])
                    && !input.peek2(syn::Token![move])
                    && !input.peek2(syn::token::Brace);
                let asyncness = if marked { Some(input.parse()?) } else { None };
                Ok(Value::Expr(asyncness, input.parse()?))
            }
        })?;
        let mut args = Args::default();
        for KeyValue { key, value } in pairs {
            match value {
                Value::Expr(mut asyncness, expr) => {
                    // Through the group of a `$init:expr` or `$init:path` fragment.
                    if let syn::Expr::Closure(closure) = common::peel_expr(&expr)
                        && closure.asyncness.is_some()
                    {
                        asyncness = closure.asyncness;
                    }
                    if !matches!(
                        common::peel_expr(&expr),
                        syn::Expr::Path(_) | syn::Expr::Closure(_)
                    ) {
                        return Err(syn::Error::new_spanned(
                            expr,
                            "`init` takes a path to a fn, e.g. `init = Registry::load`, or a \
                             closure, e.g. `init = || Registry::with_capacity(64)`; for an async \
                             initialiser `init = async Pool::connect` or an async closure",
                        ));
                    }
                    args.init = Some(Init {
                        key,
                        expr,
                        asyncness,
                    });
                }
                Value::Type(ty) => args.error = Some(KeyValue { key, value: ty }),
                Value::Scope(scope) => args.scope = Some(KeyValue { key, value: scope }),
            }
        }
        Ok(args)
    }
}
