//! `#[init_once]`: a fn whose body runs once per process; later calls return
//! `Err(AlreadyInitialized)` naming the first call's location.

mod args;
mod expand;
mod fallback;
mod validate;

use proc_macro2::TokenStream;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::common::run::<InitOnce>(args, item)
}

/// `#[init_once]` in the common pipeline.
struct InitOnce;

impl crate::common::AttributeMacro for InitOnce {
    type Args = args::Args;
    type Checked = (args::Args, validate::Form);

    fn parse_args(args: TokenStream) -> syn::Result<args::Args> {
        args::Args::parse(args)
    }

    /// The names the arguments give are checked whatever the item's mistakes, and
    /// reported first, where they are written.
    fn validate(args: args::Args, item: TokenStream) -> syn::Result<Self::Checked> {
        let mut errors = crate::common::Errors::default();
        if let Ok(syn::Item::Fn(f)) = syn::parse2::<syn::Item>(item.clone())
            && let Err(clash) = validate::check_names(&args, &f.sig.ident)
        {
            errors.push(clash);
        }
        let form = errors.finish_with(validate::validate(item))?;
        Ok((args, form))
    }

    fn check_item(args: Option<args::Args>, item: TokenStream) -> Option<syn::Error> {
        Self::validate(args.unwrap_or_default(), item).err()
    }

    fn expand((args, form): &Self::Checked) -> TokenStream {
        expand::expand(form, args)
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
            quote!(x),
            quote!(x = ),
            quote!(= 1),
            quote!(1, 2),
            quote!(reset = 1),
            quote!(reset = r, reset = s),
            quote!(state = ),
            quote!(state = 1),
            quote!(state = Self::S),
            quote!(state = f),
            quote!(state = S, reset = S),
            quote!(concurrent = ),
            quote!(concurrent = maybe),
            quote!(concurrent = refuse, state = S, reset = r),
        ];
        let items = [
            quote!(),
            quote!(fn),
            quote!(fn f(),),
            quote!(
                fn f(self) {}
            ),
            quote!(
                fn f(...) {}
            ),
            quote!(
                struct S;
            ),
            quote!(async const fn f() {}),
            quote!(
                fn f() -> impl {}
            ),
            quote!(
                fn f() -> Result {}
            ),
            quote!(
                fn f() -> io::Result {}
            ),
            quote!(
                fn f() -> Result<'a, u8, E> {}
            ),
        ];
        crate::common::assert_never_panics(super::expand, &args, &items);
    }

    /// A documented fn gains one `# Errors` section (none if it has one already, none
    /// if it has no docs, which would hide `missing_docs`).
    #[test]
    fn errors_section_added_once() {
        let count = |item| {
            super::expand(quote!(), item)
                .to_string()
                .matches("# Errors")
                .count()
        };
        assert_eq!(
            count(quote!(
                /// Sets up.
                fn setup() {}
            )),
            1
        );
        assert_eq!(
            count(quote!(
                /// Parses.
                ///
                /// # Errors
                ///
                /// When it does not parse.
                fn parse() -> Result<u8, E> {
                    todo!()
                }
            )),
            1
        );
        assert_eq!(
            count(quote!(
                fn setup() {}
            )),
            0
        );
    }
}
