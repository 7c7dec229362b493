//! `#[guarded_global]`: `static NAME: T = expr;` becomes a
//! `GuardedGlobal<T>` reachable only through closures (`NAME.read(|v| ..)`,
//! `NAME.write(|v| ..)`), its value built from `expr` on first access.
//!
//! `args` parses the attribute, `validate` checks the item and turns it into a
//! [`validate::Global`] or errors at the offending tokens, `expand` writes the code.

mod args;
mod expand;
mod validate;

use proc_macro2::TokenStream;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let result = crate::common::with_args(args::Args::parse(args), |args| {
        validate::validate(args, item.clone())
    })
    .map(|global| expand::expand(&global));
    result.unwrap_or_else(|error| crate::common::fallback(error, item))
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// Malformed attributes and items produce `compile_error!` (next to the item), never
    /// a panic; well-formed ones expand to a `GuardedGlobal` static.
    #[test]
    fn never_panics_on_malformed_input() {
        let args = [
            quote!(),
            quote!(name),
            quote!(name =),
            quote!(name = ,),
            quote!(= "x"),
            quote!(name = "a" "b"),
            quote!(name = 5),
            quote!(name = ""),
            quote!(name = "a",, name = "b"),
            quote!(timeout = 5),
            quote!("string"),
            quote!((name = "a")),
        ];
        let items = [
            quote!(),
            quote!(static),
            quote!(static X),
            quote!(static X: u8),
            quote!(static X: u8 =;),
            quote!(
                static mut X: u8 = 1;
            ),
            quote!(
                static X: _ = 1;
            ),
            quote!(
                const X: u8 = 1;
            ),
            quote!(
                fn f() {}
            ),
            quote!(
                struct S;
            ),
            quote!(1 + 1),
            quote!(
                static X: u8 = 1;
                static Y: u8 = 2;
            ),
        ];
        crate::common::assert_never_panics(super::expand, &args, &items);
        let ok = super::expand(
            quote!(),
            quote!(
                static X: u8 = 1;
            ),
        )
        .to_string();
        assert!(
            ok.contains("GuardedGlobal") && !ok.contains("compile_error"),
            "{ok}"
        );
        let named = super::expand(
            quote!(name = "x"),
            quote!(
                static X: u8 = 1;
            ),
        )
        .to_string();
        assert!(
            named.contains("\"x\"") && !named.contains("compile_error"),
            "{named}"
        );
    }
}
