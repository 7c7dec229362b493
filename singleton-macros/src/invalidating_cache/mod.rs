//! `#[invalidating_cache(path = ...)]`: a loader `fn name(path: &Path) -> Result<T, E>`
//! becomes `name() -> Result<Arc<T>, Arc<E>>`, a process-wide cache of the file that
//! reloads when the file changes, plus a module `name` to invalidate, reload and
//! inspect it.
//!
//! `args` parses the attribute, `validate` checks the fn and splits it into a
//! [`validate::Loader`] or errors at the offending tokens, `expand` writes the code.

mod args;
mod expand;
mod validate;

use proc_macro2::TokenStream;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let original = item.clone();
    let result =
        validate::validate(args::Args::parse(args), item).map(|loader| expand::expand(&loader));
    crate::common::or_fallback(result, &original)
}
