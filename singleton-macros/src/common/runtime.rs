//! The one place that spells the runtime crate's path. Generated code reaches the
//! runtime only through these tokens: `::singleton_runtime::__private::...` for what
//! the expansion uses, `::singleton_runtime::...` for the few public types that appear
//! in generated signatures (so rustdoc shows the names users know).

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

/// `::singleton_runtime::__private`, the hidden module every expansion goes through.
pub(crate) fn private() -> TokenStream {
    private_at(Span::call_site())
}

/// [`private`] with every token spanned at `span`: for paths whose call should be
/// reported at a user's token (a trait bound checked by a runtime fn).
pub(crate) fn private_at(span: Span) -> TokenStream {
    let runtime = runtime_at(span);
    quote_spanned!(span=> #runtime::__private)
}

/// `::singleton_runtime`, for the public types that appear in generated signatures
/// (`ThreadScopeError`, `InvalidatingCache`).
pub(crate) fn runtime() -> TokenStream {
    runtime_at(Span::call_site())
}

fn runtime_at(span: Span) -> TokenStream {
    quote_spanned!(span=> ::singleton_runtime)
}
