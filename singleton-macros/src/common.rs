//! Pieces every macro shares: error collection, graceful degradation, and the
//! `key = value` argument list grammar.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Token, spanned::Spanned};

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
}

/// Degrades gracefully: on error, emits the user's item unchanged next to the errors,
/// so that one mistake does not cascade into "cannot find" errors at every use and
/// IDEs keep resolving the item.
pub(crate) fn or_fallback(result: syn::Result<TokenStream>, item: &TokenStream) -> TokenStream {
    result.unwrap_or_else(|error| {
        let mut out = error.into_compile_error();
        out.extend(item.clone());
        out
    })
}

/// One `key = value` pair of an attribute's arguments, e.g. `init = Registry::load`.
pub(crate) struct KeyValue {
    pub(crate) key: syn::Ident,
    pub(crate) value: syn::Expr,
}

impl Parse for KeyValue {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                key.span().join(input.span()).unwrap_or(key.span()),
                format!("expected `{key} = ...`"),
            ));
        }
        input.parse::<Token![=]>()?;
        let value: syn::Expr = input.parse()?;
        Ok(Self { key, value })
    }
}

/// Parses `key = value, key = value` and checks each key against `allowed`, reporting
/// unknown keys with the list of valid ones, and duplicates at the second occurrence.
pub(crate) fn parse_key_values(
    macro_name: &str,
    args: TokenStream,
    allowed: &[&str],
) -> syn::Result<Vec<KeyValue>> {
    let expected = || {
        if allowed.is_empty() {
            format!("`#[{macro_name}]` takes no arguments")
        } else {
            let list: Vec<String> = allowed.iter().map(|k| format!("`{k} = ...`")).collect();
            format!("`#[{macro_name}]` accepts: {}", list.join(", "))
        }
    };
    let pairs = syn::parse::Parser::parse2(Punctuated::<KeyValue, Token![,]>::parse_terminated, args)
        .map_err(|e| syn::Error::new(e.span(), format!("{e}; {}", expected())))?;
    let mut errors = Errors::default();
    let mut seen: Vec<String> = Vec::new();
    for pair in &pairs {
        let key = pair.key.to_string();
        if !allowed.contains(&key.as_str()) {
            errors.spanned(&pair.key, format!("unknown argument `{key}`; {}", expected()));
        } else if seen.contains(&key) {
            errors.spanned(&pair.key, format!("`{key}` is given more than once; keep one"));
        } else {
            seen.push(key);
        }
    }
    errors.finish()?;
    Ok(pairs.into_iter().collect())
}

/// The span of a whole item signature's start, for errors about the item as a whole.
pub(crate) fn span_of(tokens: &impl Spanned) -> proc_macro2::Span {
    tokens.span()
}
