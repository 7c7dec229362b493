//! The one pipeline every macro runs: parse the arguments, check the item against
//! them, expand; on a mistake, every error at once (the arguments' and the item's)
//! next to the item and as much of the generated surface as can be derived from it.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

/// What one attribute macro plugs into [`run`]: its own argument parser, checks and
/// expansion (in its `args`, `validate` and `expand` modules).
pub(crate) trait AttributeMacro {
    /// The parsed attribute arguments.
    type Args: Clone;
    /// The item checked against the arguments: all that `expand` needs.
    type Checked;

    /// Parses the attribute's arguments.
    fn parse_args(args: TokenStream) -> syn::Result<Self::Args>;

    /// Checks the item against the arguments, reporting every misuse at its token.
    fn validate(args: Self::Args, item: TokenStream) -> syn::Result<Self::Checked>;

    /// The item's own mistakes, found when the arguments did not parse, so that a
    /// mistake in each is reported in one run; `args` are those that do parse (see
    /// [`salvage`]), for the checks they ask for (`scope = thread`, `state = NAME`).
    fn check_item(args: Option<Self::Args>, item: TokenStream) -> Option<syn::Error>;

    /// The code for a checked item.
    fn expand(checked: &Self::Checked) -> TokenStream;

    /// What stands next to the errors: the item, and the generated surface as stubs
    /// where it can be derived, so that one mistake gives one error, not one more at
    /// every use (and IDEs keep resolving the names). `args` are the arguments as
    /// parsed, or if they did not parse, those that do (see [`salvage`]); `None` if none
    /// do.
    fn fallback(args: Option<Self::Args>, item: TokenStream) -> TokenStream {
        let _ = args;
        item
    }
}

/// Runs `M` on one invocation: its expansion, or every error and its fallback.
pub(crate) fn run<M: AttributeMacro>(args: TokenStream, item: TokenStream) -> TokenStream {
    let (args, error) = match M::parse_args(args.clone()) {
        Ok(args) => match M::validate(args.clone(), item.clone()) {
            Ok(checked) => return M::expand(&checked),
            Err(error) => (Some(args), error),
        },
        Err(mut error) => {
            let salvaged = salvage::<M>(args);
            if let Some(more) = M::check_item(salvaged.clone(), item.clone()) {
                error.combine(more);
            }
            (salvaged, error)
        }
    };
    let mut out = error.into_compile_error();
    out.extend(M::fallback(args, item));
    out
}

/// The arguments that parse, out of a list that does not: each comma-separated part is
/// kept if it parses with those kept before it, alone or joined to parts just before
/// it that did not (for a comma inside a value: `error = Result<T, E>`). So a mistake in
/// one argument leaves the stubs the others shape (`scope = thread`, `error = E`,
/// `state = NAME`); the errors here are not reported (the whole list's are).
fn salvage<M: AttributeMacro>(args: TokenStream) -> Option<M::Args> {
    let mut parts = vec![Vec::new()];
    for token in args {
        match &token {
            TokenTree::Punct(punct) if punct.as_char() == ',' => parts.push(Vec::new()),
            _ => parts.last_mut()?.push(token),
        }
    }
    let parts: Vec<TokenStream> = parts.into_iter().map(TokenStream::from_iter).collect();
    let (mut kept, mut parsed, mut pending): (Vec<&TokenStream>, _, Vec<&TokenStream>) =
        (Vec::new(), None, Vec::new());
    for part in &parts {
        pending.push(part);
        for start in (0..pending.len()).rev() {
            let candidate: Vec<&TokenStream> =
                kept.iter().chain(&pending[start..]).copied().collect();
            if let Ok(args) = M::parse_args(quote!(#(#candidate),*)) {
                (kept, parsed) = (candidate, Some(args));
                pending.clear();
                break;
            }
        }
    }
    parsed
}
