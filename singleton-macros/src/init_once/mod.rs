//! `#[init_once]`: a fn whose body runs once per process; later calls return
//! `Err(AlreadyInitialized)` naming the first call's location.

mod args;
mod expand;
mod validate;

use proc_macro2::TokenStream;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let result = args::check(args)
        .and_then(|()| validate::validate(item.clone()))
        .map(|form| expand::expand(&form));
    crate::common::or_fallback(result, &item)
}
