//! `#[invalidating_cache]` — placeholder until its issue lands.

use proc_macro2::TokenStream;

pub(crate) fn expand(_args: TokenStream, item: TokenStream) -> TokenStream {
    let error = syn::Error::new(proc_macro2::Span::call_site(), "`#[invalidating_cache]` is not implemented yet");
    crate::common::or_fallback(Err(error), &item)
}
