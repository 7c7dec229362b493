//! `#[singleton]`: a struct (or enum) with `Type::instance()`, or a fn returning
//! `&'static T`, created once on first use.
//!
//! `args` parses the attribute, `validate` turns the item into a [`validate::Form`] or
//! errors at the offending tokens, `expand` writes the code.

mod args;
mod expand;
mod fallback;
mod thread;
mod validate;

use proc_macro2::TokenStream;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::common::run::<Singleton>(args, item)
}

/// `#[singleton]` in the common pipeline.
struct Singleton;

impl crate::common::AttributeMacro for Singleton {
    type Args = args::Args;
    type Checked = validate::Form;

    fn parse_args(args: TokenStream) -> syn::Result<args::Args> {
        args::Args::parse(args)
    }

    fn validate(args: args::Args, item: TokenStream) -> syn::Result<validate::Form> {
        validate::validate(args, item)
    }

    /// With the arguments that parse; without `error` if `init` is not among them (it
    /// may be the argument that did not parse: "`error` needs `init`" would be wrong).
    fn check_item(args: Option<args::Args>, item: TokenStream) -> Option<syn::Error> {
        let mut args = args.unwrap_or_default();
        if args.init.is_none() {
            args.error = None;
        }
        validate::validate(args, item).err()
    }

    fn expand(form: &validate::Form) -> TokenStream {
        expand::expand(form)
    }

    fn fallback(args: Option<args::Args>, item: TokenStream) -> TokenStream {
        fallback::fallback(args, item)
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// Malformed attributes and items produce `compile_error!`, never a panic.
    #[test]
    fn never_panics_on_malformed_input() {
        let args = [
            quote!(),
            quote!(init),
            quote!(init =),
            quote!(init = ,),
            quote!(= x),
            quote!(init = a b),
            quote!(error = 5),
            quote!(init = a,, error = E),
            quote!(123),
            quote!("string"),
            quote!((init = a)),
        ];
        let items = [
            quote!(
                fn f() -> dyn A + B {}
            ),
            quote!(
                fn f() -> Result<dyn A + B, ()> {}
            ),
            quote!(
                fn f() -> &dyn A {}
            ),
            quote!(),
            quote!(struct),
            quote!(fn),
            quote!(fn f),
            quote!(fn f() -> {}),
            quote!(
                fn f() -> Result {}
            ),
            quote!(
                fn f() -> Result<'a> {}
            ),
            quote!(struct S { a: }),
            quote!(enum E),
            quote!(impl X {}),
            quote!(
                #[derive]
                struct S;
            ),
            quote!(
                #[derive = "Clone"]
                struct S;
            ),
            quote!(
                #[derive(::Clone)]
                struct S;
            ),
            quote!(
                static X: u8 = 1;
            ),
            quote!(1 + 1),
            quote!(
                struct S;
                struct T;
            ),
        ];
        crate::common::assert_never_panics(super::expand, &args, &items);
    }

    #[test]
    fn errors_keep_the_item() {
        let out = super::expand(
            quote!(bogus = 1),
            quote!(
                struct Kept;
            ),
        )
        .to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("struct Kept"), "{out}");
    }
}
