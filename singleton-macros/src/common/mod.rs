//! Pieces every macro shares: the pipeline (`pipeline`), error collection (`errors`),
//! the `key = value` argument grammar (`args`), how the item is looked at (`item`:
//! through the invisible groups of `macro_rules` fragments, raw identifiers as the user
//! reads them, the declared `Result`, what a `static`'s type cannot contain), the one
//! spelling of the runtime's path (`runtime`), the generated test tools (`testing`), how
//! code beside a generated module reaches into it (`link`), and the pieces of the
//! stubs that stand next to errors (`stubs`).

mod args;
mod errors;
mod item;
mod link;
mod pipeline;
mod runtime;
mod stubs;
mod testing;

pub(crate) use args::{KeyValue, parse_args, parse_key_values};
pub(crate) use errors::Errors;
pub(crate) use item::{
    Unstorable, item_keyword, name_of, peel_expr, peel_type, result_args, unstorable,
};
pub(crate) use link::{linked, marker_vis};
pub(crate) use pipeline::{AttributeMacro, run};
pub(crate) use runtime::{private, private_at, runtime};
pub(crate) use stubs::{as_written, free_and_concrete, unnamed_params, unreachable_block};
pub(crate) use testing::{
    TestingNames, testing_api, testing_api_named, testing_bound, testing_stubs,
};

/// Test support: every combination of `args` and `items` expands without panicking,
/// and anything that is not a well-formed item yields a `compile_error!`.
#[cfg(test)]
pub(crate) fn assert_never_panics(
    expand: fn(proc_macro2::TokenStream, proc_macro2::TokenStream) -> proc_macro2::TokenStream,
    args: &[proc_macro2::TokenStream],
    items: &[proc_macro2::TokenStream],
) {
    for a in args {
        for i in items {
            let out = expand(a.clone(), i.clone()).to_string();
            let well_formed = syn::parse2::<syn::Item>(i.clone()).is_ok();
            assert!(
                well_formed || out.contains("compile_error"),
                "args `{a}`, item `{i}` gave no error: {out}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Delimiter, Group, TokenStream};
    use quote::quote;

    /// `tokens` in the invisible group a `macro_rules` fragment puts around them.
    fn fragment(tokens: TokenStream) -> Group {
        Group::new(Delimiter::None, tokens)
    }

    /// Every shape check sees through fragment groups: each of these expands without
    /// error, as it does when written out.
    #[test]
    fn fragments_are_seen_through() {
        let result = fragment(quote!(Result<u16, String>));
        let singleton = crate::singleton::expand(quote!(), quote!(fn f() -> #result { Ok(1) }));
        let singleton = singleton.to_string();
        assert!(!singleton.contains("compile_error"), "{singleton}");
        assert!(singleton.contains("get_or_try_init"), "{singleton}");

        let init = fragment(quote!(make_pool));
        let error = fragment(quote!(LoadError));
        let by_path = crate::singleton::expand(
            quote!(init = #init, error = #error),
            quote!(
                struct Pool;
            ),
        );
        assert!(!by_path.to_string().contains("compile_error"), "{by_path}");

        let path = fragment(quote!(&Path));
        let loaded = fragment(quote!(Result<String, io::Error>));
        let cache = crate::invalidating_cache::expand(
            quote!(path = "a.toml"),
            quote!(fn f(p: #path) -> #loaded { todo!() }),
        );
        assert!(!cache.to_string().contains("compile_error"), "{cache}");

        let name = fragment(quote!("label"));
        let global = crate::guarded_global::expand(
            quote!(name = #name),
            quote!(
                static X: u8 = 0;
            ),
        );
        assert!(!global.to_string().contains("compile_error"), "{global}");
    }

    /// ... and so do the checks that reject: `dyn`, nested `impl Trait`, `!`, `_`.
    #[test]
    fn checks_fire_through_fragments() {
        let rejected = |out: TokenStream| out.to_string().contains("compile_error");
        let bare = fragment(quote!(dyn Fn() + Send + Sync));
        assert!(rejected(crate::singleton::expand(
            quote!(),
            quote!(fn f() -> #bare { todo!() })
        )));
        let nested = fragment(quote!(Box<impl Fn() + Send + Sync>));
        assert!(rejected(crate::singleton::expand(
            quote!(),
            quote!(fn f() -> #nested { todo!() })
        )));
        let never = fragment(quote!(!));
        assert!(rejected(crate::init_once::expand(
            quote!(),
            quote!(fn f() -> #never { loop {} })
        )));
        let infer = fragment(quote!(_));
        assert!(rejected(crate::guarded_global::expand(
            quote!(),
            quote!(static X: #infer = 0;)
        )));
    }

    type Expand = fn(TokenStream, TokenStream) -> TokenStream;

    /// Beside an error, the item is there exactly once: as written, or replaced by its
    /// stub (never both, which would define the name twice); and a stub is there exactly
    /// when the surface can be derived.
    fn assert_fallback(
        expand: Expand,
        args: TokenStream,
        item: TokenStream,
        def: &str,
        stub: bool,
    ) {
        let written = item.to_string();
        let out = expand(args, item).to_string();
        assert!(out.contains("compile_error"), "{written}: {out}");
        assert_eq!(out.matches(def).count(), 1, "{written}: {out}");
        let stubbed = out.contains("unreachable") || out.contains("GuardedGlobal");
        assert_eq!(stubbed, stub, "{written}: {out}");
    }

    #[test]
    fn singleton_fallback_defines_each_name_once() {
        let expand: Expand = crate::singleton::expand;
        let item = quote!(
            fn f(a: u8) -> u8 {
                a
            }
        );
        assert_fallback(expand, quote!(), item, "fn f (_ : u8)", true);
        let item = quote!(
            fn f() -> dyn A {
                todo!()
            }
        );
        assert_fallback(expand, quote!(), item, "fn f ()", false);
        assert_fallback(
            expand,
            quote!(bogus = 1),
            quote!(
                struct S;
            ),
            "struct S",
            true,
        );
        assert_fallback(
            expand,
            quote!(),
            quote!(
                struct S<T>(T);
            ),
            "struct S",
            false,
        );
    }

    #[test]
    fn other_fallbacks_define_each_name_once() {
        let once: Expand = crate::init_once::expand;
        assert_fallback(
            once,
            quote!(),
            quote!(
                const fn f() {}
            ),
            "fn f ()",
            true,
        );
        let item = quote!(
            async fn f() -> ! {
                loop {}
            }
        );
        assert_fallback(once, quote!(), item, "fn f ()", false);
        let item = quote!(
            static mut X: u8 = 0;
        );
        assert_fallback(
            crate::guarded_global::expand,
            quote!(),
            item,
            "static X",
            true,
        );
        let cache: Expand = crate::invalidating_cache::expand;
        let item = quote!(
            async fn f(p: &Path) -> Result<u8, E> {
                todo!()
            }
        );
        assert_fallback(cache, quote!(path = "a"), item, "fn f ()", true);
        let item = quote!(
            fn f(p: &Path) -> u8 {
                1
            }
        );
        assert_fallback(cache, quote!(path = "a"), item, "fn f (p : & Path)", false);
    }

    /// The fallback paths of all four macros over odd arguments and items (every item
    /// kind, odd attributes, signatures a stub must copy, literals, nested groups): no
    /// panic, an error wherever the input is not a well-formed item, and output that
    /// parses as items wherever the input is one (a stub is never malformed).
    #[test]
    fn fallbacks_never_panic_and_stay_well_formed() {
        let (args, items) = (odd_args(), odd_items());
        let macros: [Expand; 4] = [
            crate::singleton::expand,
            crate::init_once::expand,
            crate::guarded_global::expand,
            crate::invalidating_cache::expand,
        ];
        for expand in macros {
            super::assert_never_panics(expand, &args, &items);
            for a in &args {
                for i in &items {
                    if syn::parse2::<syn::Item>(i.clone()).is_err() {
                        continue;
                    }
                    let out = expand(a.clone(), i.clone());
                    assert!(
                        syn::parse2::<syn::File>(out.clone()).is_ok(),
                        "args `{a}`, item `{i}` gave malformed output: {out}"
                    );
                }
            }
        }
    }

    /// Attribute arguments, most of them malformed for every macro: unknown keys with
    /// odd values after them, duplicates, literals of every kind, nested groups.
    fn odd_args() -> [TokenStream; 21] {
        [
            quote!(),
            quote!(path =),
            quote!(path = , path = "a"),
            quote!(path = "a", path = "b"),
            quote!(name = 1, name = "x"),
            quote!(init = 'c'),
            quote!(error = 1.5f32),
            quote!(state = b"x"),
            quote!(reset = true),
            quote!(scope = thread),
            quote!(scope = thread, bogus = 1),
            quote!(concurrent = refuse, state = S),
            quote!((())),
            quote!([{}] = 1),
            quote!(path = "a", 0x10u8),
            quote!(-1),
            quote!(bogus = Result<A, B>, init = x, scope = thread),
            quote!(bogus = , path = "a"),
            quote!(bogus = a b c, name = "x"),
            quote!(bogus = |x|, state = S, other = 1, reset = r),
            quote!(bogus, bogus = 1, bogus = 2),
        ]
    }

    /// Items of every kind, and signatures a stub must copy, and what is no item at all.
    fn odd_items() -> [TokenStream; 22] {
        [
            quote!(
                const X: u8 = 1;
            ),
            quote!(
                use a::b;
            ),
            quote!(
                extern crate alloc;
            ),
            quote!(
                macro_rules! m {
                    () => {};
                }
            ),
            quote!(
                #[doc = 1]
                #[cfg]
                #[allow(((x)))]
                fn f(a: u8) -> u8 {
                    a
                }
            ),
            quote!(
                #[deprecated]
                #[expect(unused)] // ok: an attribute of the test input, not a call
                pub(in crate::a) fn r#type(a: u8) -> Result<u8, E> {
                    Ok(a)
                }
            ),
            quote!(
                unsafe extern "C" fn f(a: u8, ...) -> ! {
                    loop {}
                }
            ),
            quote!(
                async unsafe fn f(self: Box<Self>, (a, b): (u8, u8)) -> Self {
                    todo!()
                }
            ),
            quote!(
                fn f<'a>(x: &'a Path) -> Result<&'a u8, E>
                where
                    u8: Copy,
                {
                    todo!()
                }
            ),
            quote!(
                const fn f(path: &Path) -> Result<impl Fn(), E> {
                    todo!()
                }
            ),
            quote!(
                static mut X: Self = 1;
            ),
            quote!(
                static X: dyn A = 1;
            ),
            quote!(
                enum E<T> {}
            ),
            quote!(
                pub(super) struct S
                where
                    u8: Copy;
            ),
            quote!(
                union U {
                    a: u8,
                }
            ),
            quote!(
                trait T {}
            ),
            quote!(impl T for S {}),
            quote!(1),
            quote!(b"x"),
            quote!('c'),
            quote!((())),
            quote!([{}]),
        ]
    }
}
