//! `#[init_once(state = NAME, concurrent = refuse, reset = name)]`, each optional.
//! Otherwise the fn's own name is what errors show.

use proc_macro2::TokenStream;

/// What a call that arrives while the body runs on another thread does.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Concurrent {
    /// Waits for it, as `std::sync::Once` does (the default).
    #[default]
    Wait,
    /// Returns `Err(AlreadyInitialized)` with `in_progress()` at once.
    Refuse,
}

/// The parsed attribute arguments.
#[derive(Clone, Default)]
pub(crate) struct Args {
    /// `state = NAME`: generate `const NAME: InitOnceState` (same visibility): whether
    /// the fn has run, where, waiting for it, and the reset. A `const` rather than a
    /// module beside the fn, so that it works on associated fns too.
    pub(crate) state: Option<syn::Ident>,
    /// `reset = name`: generate `fn name()`, the reset alone (`NAME.reset()` with `state`).
    pub(crate) reset: Option<syn::Ident>,
    /// `concurrent = wait | refuse`.
    pub(crate) concurrent: Concurrent,
}

/// One parsed value.
enum Value {
    Name(syn::Ident),
    Concurrent(Concurrent),
}

const CONCURRENT: &str = "`concurrent` is `wait` (the default: a call that arrives while \
     the body runs on another thread waits for it) or `refuse` (it gets \
     `Err(AlreadyInitialized)` at once, `in_progress()`: for code that must never wait)";

impl Args {
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let pairs = crate::common::parse_args(
            "init_once",
            tokens,
            &["state", "concurrent", "reset"],
            |key, input| {
                let ident = input.parse::<syn::Ident>();
                if key == "concurrent" {
                    return match ident {
                        Ok(value) if value == "wait" => Ok(Value::Concurrent(Concurrent::Wait)),
                        Ok(value) if value == "refuse" => Ok(Value::Concurrent(Concurrent::Refuse)),
                        Ok(value) => Err(syn::Error::new_spanned(value, CONCURRENT)),
                        Err(e) => Err(syn::Error::new(e.span(), CONCURRENT)),
                    };
                }
                let example = if key == "state" {
                    "`state` names the const to generate, e.g. `state = SETUP`"
                } else {
                    "`reset` names the fn to generate, e.g. `reset = reset_setup`"
                };
                match ident {
                    Ok(name) if input.is_empty() || input.peek(syn::Token![,]) => {
                        Ok(Value::Name(name))
                    }
                    Ok(_) => Err(syn::Error::new(input.span(), example)),
                    Err(e) => Err(syn::Error::new(e.span(), example)),
                }
            },
        )?;
        let mut args = Args::default();
        for pair in pairs {
            match pair.value {
                Value::Concurrent(concurrent) => args.concurrent = concurrent,
                Value::Name(name) if pair.key == "state" => args.state = Some(name),
                Value::Name(name) => args.reset = Some(name),
            }
        }
        Ok(args)
    }
}
