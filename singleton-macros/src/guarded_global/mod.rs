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
    crate::common::run::<GuardedGlobal>(args, item)
}

/// `#[guarded_global]` in the common pipeline.
struct GuardedGlobal;

impl crate::common::AttributeMacro for GuardedGlobal {
    type Args = args::Args;
    type Checked = validate::Global;

    fn parse_args(args: TokenStream) -> syn::Result<args::Args> {
        args::Args::parse(args)
    }

    fn validate(args: args::Args, item: TokenStream) -> syn::Result<validate::Global> {
        validate::validate(args, item)
    }

    fn check_item(args: Option<args::Args>, item: TokenStream) -> Option<syn::Error> {
        validate::validate(args.unwrap_or_default(), item).err()
    }

    fn expand(global: &validate::Global) -> TokenStream {
        expand::expand(global)
    }

    /// The static as the expansion writes it (without a `mut`), so that its uses add no
    /// errors to the one that matters; the item alone if its type is not written out.
    fn fallback(args: Option<args::Args>, item: TokenStream) -> TokenStream {
        validate::repaired(args, &item).map_or(item, |global| expand::expand(&global))
    }
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
