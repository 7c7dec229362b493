//! `#[invalidating_cache(path = ...)]`: a loader `fn name(path: &Path) -> Result<T, E>`
//! (or `fn name(ctx: &mut LoadContext) -> Result<T, E>`, reading several files)
//! becomes `name() -> Result<CacheRef<T>, Arc<E>>`, a process-wide cache of the file(s)
//! that reloads when one changes, plus a module `name` to read it by closure, subscribe
//! to reloads, invalidate, reload and inspect it.
//!
//! `args` parses the attribute, `validate` checks the fn and splits it into a
//! [`validate::Loader`] or errors at the offending tokens, `expand` writes the code.

mod args;
mod expand;
mod validate;

use proc_macro2::TokenStream;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::common::run::<InvalidatingCache>(args, item)
}

/// `#[invalidating_cache]` in the common pipeline.
struct InvalidatingCache;

impl crate::common::AttributeMacro for InvalidatingCache {
    type Args = args::Args;
    type Checked = validate::Loader;

    fn parse_args(args: TokenStream) -> syn::Result<args::Args> {
        args::Args::parse(args)
    }

    fn validate(args: args::Args, item: TokenStream) -> syn::Result<validate::Loader> {
        validate::validate(item).map(|loader| loader(args))
    }

    fn check_item(_: Option<args::Args>, item: TokenStream) -> Option<syn::Error> {
        validate::validate(item).err()
    }

    fn expand(loader: &validate::Loader) -> TokenStream {
        expand::expand(loader)
    }

    /// The cached fn and its module as the expansion writes them, around a loader that
    /// is never run, so that their uses add no errors to the one that matters; the item
    /// alone where they cannot be derived. The fn as written stays beside the stub
    /// (under a name of its own), so that its body is checked.
    fn fallback(args: Option<args::Args>, item: TokenStream) -> TokenStream {
        let Some(loader) = validate::repaired(args, &item) else {
            return item;
        };
        let stub = expand::expand(&loader);
        let written = crate::common::as_written(&item);
        quote::quote!(#stub #written)
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
            quote!(path),
            quote!(path =),
            quote!(path = "a", path = "b"),
            quote!(check_interval = ),
            quote!(path = "a", check_interval = 1),
            quote!(path = "a",, check_interval = x),
            quote!(interval = 5),
            quote!("config.toml"),
            quote!(path = "a", watch),
            quote!(path = "a", watch = ),
            quote!(path = "a", watch = 1),
            quote!(path = "a", watch = true, watch = false),
        ];
        let items = [
            quote!(),
            quote!(fn),
            quote!(fn f),
            quote!(
                fn f(path: &Path) {}
            ),
            quote!(
                fn f(path: &Path) -> Result {}
            ),
            quote!(
                fn f(path: &Path) -> Result<u8, E, F> {
                    todo!()
                }
            ),
            quote!(
                fn f(ctx: &mut LoadContext) -> Result<u8, Box<dyn Error>> {
                    todo!()
                }
            ),
            quote!(
                fn f(
                    ctx: &LoadContext,
                ) -> Result<Box<dyn Fn() + Send>, Box<dyn Error + Send + Sync>> {
                    todo!()
                }
            ),
            quote!(
                fn f(self) -> Result<u8, E> {
                    todo!()
                }
            ),
            quote!(
                fn f(a: &Path, b: &Path) -> Result<u8, E> {
                    todo!()
                }
            ),
            quote!(
                static X: u8 = 1;
            ),
            quote!(1 + 1),
        ];
        crate::common::assert_never_panics(super::expand, &args, &items);
    }
}
