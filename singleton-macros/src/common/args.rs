//! The `key = value, ...` grammar of every macro's arguments.

use proc_macro2::TokenStream;
use syn::Token;
use syn::parse::ParseStream;

use super::Errors;

/// One `key = value` pair of an attribute's arguments, e.g. `init = Registry::load`.
#[derive(Clone)]
pub(crate) struct KeyValue<V = syn::Expr> {
    pub(crate) key: syn::Ident,
    pub(crate) value: V,
}

/// Parses `key = value, key = value` where each value is an expression, and checks
/// each key against `allowed`, reporting unknown keys with the list of valid ones, and
/// duplicates at the second occurrence.
pub(crate) fn parse_key_values(
    macro_name: &str,
    args: TokenStream,
    allowed: &[&str],
) -> syn::Result<Vec<KeyValue>> {
    parse_args(macro_name, args, allowed, |_, input| input.parse())
}

/// [`parse_key_values`] with a parser of its own for each value, chosen by key (e.g. a
/// type for `error = ...`), so that every value keeps its exact spans.
pub(crate) fn parse_args<V>(
    macro_name: &str,
    args: TokenStream,
    allowed: &[&str],
    parse_value: impl Fn(&syn::Ident, ParseStream<'_>) -> syn::Result<V>,
) -> syn::Result<Vec<KeyValue<V>>> {
    let expected = if allowed.is_empty() {
        format!("`#[{macro_name}]` takes no arguments")
    } else {
        let list: Vec<String> = allowed.iter().map(|k| format!("`{k} = ...`")).collect();
        format!("`#[{macro_name}]` accepts: {}", list.join(", "))
    };
    let parser = |input: ParseStream<'_>| {
        let mut errors = Errors::default();
        let mut pairs = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            match parse_pair(input, allowed, &expected, &parse_value) {
                Ok(Pair::Known(pair)) => {
                    let name = pair.key.to_string();
                    if seen.contains(&name) {
                        errors.spanned(
                            &pair.key,
                            format!("`{name}` is given more than once; keep one"),
                        );
                    } else {
                        seen.push(name);
                    }
                    pairs.push(pair);
                }
                // Reported, its value skipped: the arguments after it are still read.
                Ok(Pair::Unknown(error)) => errors.push(error),
                Err(error) => {
                    errors.push(error);
                    break;
                }
            }
            if input.is_empty() {
                break;
            }
            if let Err(e) = input.parse::<Token![,]>() {
                errors.push(syn::Error::new(e.span(), "expected `,` between arguments"));
                break;
            }
        }
        errors.finish()?;
        Ok(pairs)
    };
    syn::parse::Parser::parse2(parser, args)
}

/// One `key = value`: a known key with its value, or an unknown key (its error) whose
/// value was skipped.
enum Pair<V> {
    Known(KeyValue<V>),
    Unknown(syn::Error),
}

fn parse_pair<V>(
    input: ParseStream<'_>,
    allowed: &[&str],
    expected: &str,
    parse_value: &impl Fn(&syn::Ident, ParseStream<'_>) -> syn::Result<V>,
) -> syn::Result<Pair<V>> {
    let key: syn::Ident = input
        .call(syn::ext::IdentExt::parse_any)
        .map_err(|e| syn::Error::new(e.span(), format!("expected `key = value`; {expected}")))?;
    let name = key.to_string();
    if !allowed.contains(&name.as_str()) {
        let error = syn::Error::new_spanned(&key, format!("unknown argument `{name}`; {expected}"));
        // The value is skipped whole if it reads as a type or an expression (a comma
        // inside `Result<A, B>` is not the end); otherwise this is the last error.
        if input.parse::<Token![=]>().is_err() || !skip_value(input) {
            return Err(error);
        }
        return Ok(Pair::Unknown(error));
    }
    if !input.peek(Token![=]) {
        return Err(syn::Error::new_spanned(
            &key,
            format!("expected `=` after `{name}`: `{name} = ...`"),
        ));
    }
    input.parse::<Token![=]>()?;
    if input.is_empty() || input.peek(Token![,]) {
        return Err(syn::Error::new_spanned(
            &key,
            format!("expected a value after `{name} =`"),
        ));
    }
    let value = parse_value(&key, input)?;
    Ok(Pair::Known(KeyValue { key, value }))
}

/// Skips one value that ends at a `,` or at the end: a type, else an expression.
fn skip_value(input: ParseStream<'_>) -> bool {
    use syn::parse::discouraged::Speculative;
    let ends = |ahead: ParseStream<'_>| ahead.is_empty() || ahead.peek(Token![,]);
    let ahead = input.fork();
    if ahead.parse::<syn::Type>().is_ok() && ends(&ahead) {
        input.advance_to(&ahead);
        return true;
    }
    let ahead = input.fork();
    if ahead.parse::<syn::Expr>().is_ok() && ends(&ahead) {
        input.advance_to(&ahead);
        return true;
    }
    false
}
