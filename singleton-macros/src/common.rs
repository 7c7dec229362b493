//! Pieces every macro shares: error collection, graceful degradation, the
//! `key = value` argument list grammar, and how syntax is looked at (through the
//! invisible groups of `macro_rules` fragments, raw identifiers as the user reads them,
//! what a `static`'s type cannot contain).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Token;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::visit::Visit;

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

/// Validates the item whatever became of the arguments (with `A::default()` when they
/// failed to parse), so that a mistake in each is reported in one run, together.
pub(crate) fn with_args<A: Default, T>(
    args: syn::Result<A>,
    validate: impl FnOnce(A) -> syn::Result<T>,
) -> syn::Result<T> {
    match args {
        Ok(args) => validate(args),
        Err(mut error) => {
            if let Err(more) = validate(A::default()) {
                error.combine(more);
            }
            Err(error)
        }
    }
}

/// Degrades gracefully: on error, emits the user's item unchanged next to the errors,
/// so that one mistake does not cascade into "cannot find" errors at every use and
/// IDEs keep resolving the item.
pub(crate) fn fallback(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut out = error.into_compile_error();
    out.extend(item);
    out
}

/// One `key = value` pair of an attribute's arguments, e.g. `init = Registry::load`.
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
            let key: syn::Ident = input.call(syn::ext::IdentExt::parse_any).map_err(|e| {
                syn::Error::new(e.span(), format!("expected `key = value`; {expected}"))
            })?;
            let name = key.to_string();
            if !allowed.contains(&name.as_str()) {
                return Err(syn::Error::new_spanned(
                    &key,
                    format!("unknown argument `{name}`; {expected}"),
                ));
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
            if seen.contains(&name) {
                errors.spanned(&key, format!("`{name}` is given more than once; keep one"));
            } else {
                seen.push(name);
            }
            pairs.push(KeyValue { key, value });
            if input.is_empty() {
                break;
            }
            input
                .parse::<Token![,]>()
                .map_err(|e| syn::Error::new(e.span(), "expected `,` between arguments"))?;
        }
        errors.finish()?;
        Ok(pairs)
    };
    syn::parse::Parser::parse2(parser, args)
}

/// The keyword that names an item's kind (`static`, `const`, ...), for errors about the
/// item as a whole: pointing there is clearer than underlining the whole item.
pub(crate) fn item_keyword(item: &syn::Item) -> TokenStream {
    match item {
        syn::Item::Const(i) => i.const_token.to_token_stream(),
        syn::Item::Enum(i) => i.enum_token.to_token_stream(),
        syn::Item::Fn(i) => i.sig.fn_token.to_token_stream(),
        syn::Item::Impl(i) => i.impl_token.to_token_stream(),
        syn::Item::Mod(i) => i.mod_token.to_token_stream(),
        syn::Item::Static(i) => i.static_token.to_token_stream(),
        syn::Item::Struct(i) => i.struct_token.to_token_stream(),
        syn::Item::Trait(i) => i.trait_token.to_token_stream(),
        syn::Item::Type(i) => i.type_token.to_token_stream(),
        syn::Item::Union(i) => i.union_token.to_token_stream(),
        syn::Item::Use(i) => i.use_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}

/// `ty` seen through what does not change it: the invisible group that a `macro_rules`
/// fragment (`$t:ty`) puts around a type, and parentheses. Every check of a type's shape
/// (`Result<T, E>`, `&Path`, `dyn Trait`, `!`, `_`) looks through this, so that an item
/// generated by a `macro_rules` is treated like a written one.
pub(crate) fn peel_type(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Group(group) => peel_type(&group.elem),
        syn::Type::Paren(paren) => peel_type(&paren.elem),
        other => other,
    }
}

/// The type arguments of `ty` if it is a path ending in `Result` (`Result<T, E>`,
/// `io::Result<T>`, `fmt::Result`: none), also through the invisible group of a
/// `$t:ty` fragment; `None` for any other type.
pub(crate) fn result_args(ty: &syn::Type) -> Option<Vec<&syn::Type>> {
    let syn::Type::Path(path) = peel_type(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    Some(match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// [`peel_type`] for expressions: `$e:expr` and `$p:path` arrive as `Expr::Group`.
pub(crate) fn peel_expr(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Group(group) => peel_expr(&group.expr),
        syn::Expr::Paren(paren) => peel_expr(&paren.expr),
        other => other,
    }
}

/// The name as the user reads it: `type` for `r#type`. Every name handed to the runtime
/// (and so printed in its panics and errors) goes through this.
pub(crate) fn name_of(ident: &syn::Ident) -> String {
    ident.unraw().to_string()
}

/// What the type of a `static` cannot contain, found anywhere in a type.
pub(crate) enum Unstorable<'a> {
    /// A bare `dyn Trait` (the whole type, not one behind a pointer): it is unsized.
    TraitObject(&'a syn::Type),
    /// An `impl Trait`, at any depth (`Box<impl Fn()>`): a `static` cannot hold one.
    ImplTrait(&'a syn::TypeImplTrait),
    /// `Self`, at any depth: a `static` is outside every `impl`.
    SelfType(&'a syn::Ident),
}

/// Everything in `ty` that a `static`'s type cannot contain, outermost first, each once
/// (nothing inside an `impl Trait` is reported again).
pub(crate) fn unstorable(ty: &syn::Type) -> Vec<Unstorable<'_>> {
    struct Finder<'a>(Vec<Unstorable<'a>>);
    impl<'a> Visit<'a> for Finder<'a> {
        fn visit_type_impl_trait(&mut self, impl_trait: &'a syn::TypeImplTrait) {
            self.0.push(Unstorable::ImplTrait(impl_trait));
        }
        fn visit_path_segment(&mut self, segment: &'a syn::PathSegment) {
            if segment.ident == "Self" {
                self.0.push(Unstorable::SelfType(&segment.ident));
            }
            syn::visit::visit_path_segment(self, segment);
        }
    }
    let mut finder = Finder(Vec::new());
    let peeled = peel_type(ty);
    if matches!(peeled, syn::Type::TraitObject(_)) {
        finder.0.push(Unstorable::TraitObject(peeled));
    }
    finder.visit_type(ty);
    finder.0
}

/// The where clause of every generated test tool: it holds only with the runtime's
/// `testing` feature, so a call without it fails with a message naming the feature. A
/// `cfg` in generated code would test the user's crate's features, not the runtime's;
/// `for<'a>` keeps the bound from being checked where it is written, where it does not
/// depend on anything.
pub(crate) fn testing_bound() -> TokenStream {
    quote!(where for<'a> ::singleton_runtime::__private::Feature: ::singleton_runtime::__private::FeatureEnabled)
}

/// `override_with`, `override_guard` and `reset` (the runtime's `testing` feature) over
/// `receiver`, a global whose value type is `value`, with visibility `vis`; `what` names
/// the global in the docs. Generated unconditionally: [`testing_bound`] decides whether
/// they can be called.
pub(crate) fn testing_api(
    vis: &TokenStream,
    value: &TokenStream,
    receiver: &TokenStream,
    what: &str,
    reset_doc: &str,
) -> TokenStream {
    testing_api_named(
        vis,
        value,
        receiver,
        what,
        reset_doc,
        TestingNames::IN_A_MODULE,
    )
}

/// The names of the generated test tools.
#[derive(Clone, Copy)]
pub(crate) struct TestingNames {
    pub(crate) override_with: &'static str,
    pub(crate) override_guard: &'static str,
    pub(crate) reset: &'static str,
}

impl TestingNames {
    /// In a module of their own (`config::reset()`): the plain names.
    pub(crate) const IN_A_MODULE: Self = Self {
        override_with: "override_with",
        override_guard: "override_guard",
        reset: "reset",
    };
    /// Beside `instance()` among the type's own associated items, where a user's
    /// `reset(&self)` or `override_with` must not clash (E0592): named after `instance`.
    pub(crate) const BESIDE_INSTANCE: Self = Self {
        override_with: "override_instance",
        override_guard: "override_instance_guard",
        reset: "reset_instance",
    };
}

/// [`testing_api`] under other names.
pub(crate) fn testing_api_named(
    vis: &TokenStream,
    value: &TokenStream,
    receiver: &TokenStream,
    what: &str,
    reset_doc: &str,
    names: TestingNames,
) -> TokenStream {
    let span = proc_macro2::Span::call_site();
    let with_name = syn::Ident::new(names.override_with, span);
    let guard_name = syn::Ident::new(names.override_guard, span);
    let reset_name = syn::Ident::new(names.reset, span);
    let bound = testing_bound();
    let with_doc = format!(
        " Runs `f` with `value` in place of {what}, on this thread only: a test's own \
         value. Nested overrides restore in reverse order, also on panic. Needs the \
         `testing` feature of `singleton-runtime` (see `singleton_runtime::testing`)."
    );
    let guard_doc = format!(
        " Puts `value` in place of {what}, on this thread only, until the guard is \
         dropped. Needs the `testing` feature of `singleton-runtime`."
    );
    quote! {
        #[doc = #with_doc]
        #[allow(clippy::extra_unused_lifetimes)]
        #vis fn #with_name<__R>(value: #value, f: impl ::core::ops::FnOnce() -> __R) -> __R
        #bound
        {
            #receiver.override_with(value, f)
        }

        #[doc = #guard_doc]
        #[allow(clippy::extra_unused_lifetimes)]
        #vis fn #guard_name(value: #value) -> ::singleton_runtime::__private::OverrideGuard
        #bound
        {
            #receiver.override_guard(value)
        }

        #[doc = #reset_doc]
        #[allow(clippy::extra_unused_lifetimes)]
        #vis fn #reset_name()
        #bound
        {
            #receiver.reset();
        }
    }
}

/// Test support: every combination of `args` and `items` expands without panicking,
/// and anything that is not a well-formed item yields a `compile_error!`.
#[cfg(test)]
pub(crate) fn assert_never_panics(
    expand: fn(TokenStream, TokenStream) -> TokenStream,
    args: &[TokenStream],
    items: &[TokenStream],
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
}
