//! `#[singleton]`: a struct (or enum) with `Type::instance()`, or a fn returning
//! `&'static T`, created once on first use.
//!
//! `args` parses the attribute, `validate` turns the item into a [`validate::Form`] or
//! errors at the offending tokens, `expand` writes the code.

mod args;
mod expand;
mod validate;

use proc_macro2::TokenStream;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let result = args::Args::parse(args)
        .and_then(|args| validate::validate(args, item.clone()))
        .map(|form| expand::expand(&form));
    crate::common::or_fallback(result, &item)
}
