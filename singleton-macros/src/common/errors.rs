//! Collecting errors, and the pipeline's last resort when there are some.

use quote::ToTokens;

/// Collects errors so that one run reports every mistake, not just the first.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Records `error`.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Records an error spanning `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// `Ok(())` if nothing was recorded.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// `value` if neither it nor anything recorded is an error; otherwise every error.
    pub(crate) fn finish_with<T>(self, value: syn::Result<T>) -> syn::Result<T> {
        match (self.0, value) {
            (None, value) => value,
            (Some(all), Ok(_)) => Err(all),
            (Some(mut all), Err(error)) => {
                all.combine(error);
                Err(all)
            }
        }
    }
}
