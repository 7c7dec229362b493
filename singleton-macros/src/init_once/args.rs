//! `#[init_once(reset = name)]`: the one argument, naming a reset fn to generate beside
//! the fn (the runtime's `testing` feature). Otherwise the fn's own name is what errors
//! show.

use proc_macro2::TokenStream;

/// The parsed attribute arguments.
#[derive(Default)]
pub(crate) struct Args {
    /// `reset = name`: generate `fn name()` (same visibility) that makes the next call
    /// run the body again. A sibling fn rather than a module beside the fn, so that it
    /// works on associated fns too.
    pub(crate) reset: Option<syn::Ident>,
}

impl Args {
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let pairs = crate::common::parse_args("init_once", tokens, &["reset"], |_, input| {
            input.parse::<syn::Ident>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`reset` names the fn to generate, e.g. `reset = reset_setup`",
                )
            })
        })?;
        let mut args = Args::default();
        for pair in pairs {
            args.reset = Some(pair.value);
        }
        Ok(args)
    }
}
