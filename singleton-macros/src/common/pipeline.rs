//! The one pipeline every macro runs: parse the arguments, check the item against
//! them, expand; on a mistake, every error at once (the arguments' and the item's)
//! next to the item and as much of the generated surface as can be derived from it.

use proc_macro2::TokenStream;

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
    /// mistake in each is reported in one run.
    fn check_item(item: TokenStream) -> Option<syn::Error>;

    /// The code for a checked item.
    fn expand(checked: &Self::Checked) -> TokenStream;

    /// What stands next to the errors: the item, and the generated surface as stubs
    /// where it can be derived, so that one mistake gives one error, not one more at
    /// every use (and IDEs keep resolving the names). `args` is `None` if they did not
    /// parse.
    fn fallback(args: Option<Self::Args>, item: TokenStream) -> TokenStream {
        let _ = args;
        item
    }
}

/// Runs `M` on one invocation: its expansion, or every error and its fallback.
pub(crate) fn run<M: AttributeMacro>(args: TokenStream, item: TokenStream) -> TokenStream {
    let (args, error) = match M::parse_args(args) {
        Ok(args) => match M::validate(args.clone(), item.clone()) {
            Ok(checked) => return M::expand(&checked),
            Err(error) => (Some(args), error),
        },
        Err(mut error) => {
            if let Some(more) = M::check_item(item.clone()) {
                error.combine(more);
            }
            (None, error)
        }
    };
    let mut out = error.into_compile_error();
    out.extend(M::fallback(args, item));
    out
}
