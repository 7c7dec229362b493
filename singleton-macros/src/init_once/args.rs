//! `#[init_once]` takes no arguments: the fn's own name is what errors show.

use proc_macro2::TokenStream;

pub(crate) fn check(args: TokenStream) -> syn::Result<()> {
    crate::common::parse_key_values("init_once", args, &[]).map(drop)
}
