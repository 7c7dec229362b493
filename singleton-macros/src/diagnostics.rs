//! Probes that turn rustc's generic errors into ours, for what a macro cannot see in
//! the tokens: whether a type is `Send + Sync`. The runtime side of each is next to
//! the primitive it guards (`singleton-runtime/src/singleton/field_check.rs`).
//!
//! The user's traits are in scope where the probes expand: the one method call that
//! autoref specialisation needs is named `singleton_verdict`, a name no blanket trait of
//! theirs is likely to have, and the fold is called by its path (`Fold::and`). The
//! probes' traits come in unnamed, by a glob of `__private::probes` (`pub use .. as _`):
//! a glob is used as soon as one of them is, so it needs no `allow(unused_imports)`,
//! which a user's `forbid(unused_imports)` would turn into an error.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::common;

/// A singleton struct's fields, each with the `#[cfg]`s it is declared under.
struct Field {
    cfgs: Vec<TokenStream>,
    ty: TokenStream,
    span: Span,
}

/// The initialiser of a singleton struct's `static` cell (`new_singleton_checked`, or
/// `new_async_singleton_checked::<_, error>` for an async one): it checks every field
/// of `item` for `Send + Sync`, so that a field that is not is reported once, at its
/// type, with the fix (see `field_check.rs` in the runtime for how).
pub(crate) fn checked_new(
    item: &TokenStream,
    ident: &syn::Ident,
    name: &str,
    async_error: Option<&TokenStream>,
) -> TokenStream {
    let rt = common::private();
    let verdict = fields_verdict(item, ident, true);
    let fields_var = syn::Ident::new("fields", Span::mixed_site());
    let new = match async_error {
        None => quote_spanned!(ident.span()=> #rt::new_singleton_checked::<#ident, _, _>),
        Some(error) => {
            quote_spanned!(ident.span()=> #rt::new_async_singleton_checked::<#ident, #error, _, _>)
        }
    };
    quote! {{
        #[allow(clippy::all, clippy::pedantic)]
        let #fields_var = || #verdict;
        #new(#name, &#fields_var)
    }}
}

/// The future an async singleton struct's `instance()` returns: `future`, or, when a
/// field of `item` is not `Send + Sync` (reported at the `static` already), a stand-in
/// that is `Send`, so that the declared `impl Future + Send` does not report the field
/// a second time (through `&Self` in the future) with rustc's message.
pub(crate) fn instance_future(
    item: &TokenStream,
    ident: &syn::Ident,
    future: &TokenStream,
) -> TokenStream {
    let fields = fields_verdict(item, ident, false);
    let verdict = syn::Ident::new("verdict", Span::mixed_site());
    quote! {{
        #[allow(clippy::all, clippy::pedantic)]
        let #verdict = #fields;
        #verdict.select(#future)
    }}
}

/// The fold of the field probes of `item` (a block): `NoneReported` or `Reported`;
/// with `check`, each field that is not `Send + Sync` is reported at its type.
fn fields_verdict(item: &TokenStream, ident: &syn::Ident, check: bool) -> TokenStream {
    let rt = common::private();
    let fields = fields(item, ident);
    let imports = (!fields.is_empty()).then(|| {
        quote! {
            use #rt::probes::*;
        }
    });
    let verdict = syn::Ident::new("verdict", Span::mixed_site());
    let probe = syn::Ident::new("probe", Span::mixed_site());
    let checks = fields.iter().map(|Field { cfgs, ty, span }| {
        // The call of `check` carries the field type's span: rustc reports the failing
        // bound (the message) there.
        let check = if check {
            quote_spanned!(*span=> (&&&&#probe).singleton_verdict().check())
        } else {
            quote!((&&&&#probe).singleton_verdict())
        };
        quote! {
            #(#cfgs)*
            let #verdict = #rt::Fold::and(#verdict, {
                let #probe = #rt::FieldProbe::<#ident, #ty>::new();
                #check
            });
        }
    });
    quote! {{
        #imports
        let #verdict = #rt::NoneReported;
        #(#checks)*
        #verdict
    }}
}

/// Every field of the struct or enum `item` (the fields of every variant), except those
/// that name the type itself (`Option<Box<Self>>`): such a field is `Send + Sync` exactly
/// when the others are, and reporting it would point away from the cause. Also except
/// those whose type is a macro invocation, which may name `Self` where the probe cannot
/// (outside the struct's `impl`), and those under a `cfg_attr` that cannot be read: the
/// struct's own check (`Verdict`) still covers them, with its message.
fn fields(item: &TokenStream, ident: &syn::Ident) -> Vec<Field> {
    let Ok(item) = syn::parse2::<syn::Item>(item.clone()) else {
        return Vec::new();
    };
    // Each field with the attributes that decide whether it exists: its own, and for an
    // enum its variant's before them.
    let all: Vec<(&[syn::Attribute], &syn::Field)> = match &item {
        syn::Item::Struct(s) => s.fields.iter().map(|f| (&[][..], f)).collect(),
        syn::Item::Enum(e) => e
            .variants
            .iter()
            .flat_map(|v| v.fields.iter().map(|f| (&v.attrs[..], f)))
            .collect(),
        _ => Vec::new(),
    };
    all.into_iter()
        .filter(|(_, field)| {
            let ty = field.ty.to_token_stream();
            !names(ty.clone(), ident) && !invokes_macro(ty)
        })
        .filter_map(|(variant_attrs, field)| {
            let cfgs = variant_attrs
                .iter()
                .chain(&field.attrs)
                .map(|attr| cfgs_of(&attr.meta))
                .collect::<Option<Vec<_>>>()?;
            Some(Field {
                cfgs: cfgs
                    .into_iter()
                    .flatten()
                    .map(|cfg| quote!(#[#cfg]))
                    .collect(),
                ty: field.ty.to_token_stream(),
                span: field.ty.span(),
            })
        })
        .collect()
}

/// The part of a field attribute that decides whether the field exists: a `cfg` whole,
/// a `cfg_attr` with only the `cfg`s (and `cfg_attr`s) it applies, nothing of anything
/// else; `None` for a `cfg_attr` that cannot be read.
fn cfgs_of(meta: &syn::Meta) -> Option<Vec<TokenStream>> {
    if meta.path().is_ident("cfg") {
        return Some(vec![meta.to_token_stream()]);
    }
    if !meta.path().is_ident("cfg_attr") {
        return Some(Vec::new());
    }
    let syn::Meta::List(list) = meta else {
        return None;
    };
    let metas = list
        .parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut metas = metas.into_iter();
    let predicate = metas.next()?;
    let mut kept = Vec::new();
    for meta in metas {
        kept.extend(cfgs_of(&meta)?);
    }
    Some(if kept.is_empty() {
        Vec::new()
    } else {
        vec![quote!(cfg_attr(#predicate, #(#kept),*))]
    })
}

/// Whether `tokens` contain a macro invocation (`name!(..)`).
fn invokes_macro(tokens: TokenStream) -> bool {
    let mut bang = false;
    tokens.into_iter().any(|token| {
        let after_bang = std::mem::replace(
            &mut bang,
            matches!(&token, TokenTree::Punct(p) if p.as_char() == '!'),
        );
        match token {
            TokenTree::Group(g) => after_bang || invokes_macro(g.stream()),
            _ => false,
        }
    })
}

/// Whether `tokens` mention `Self` or `ident`.
fn names(tokens: TokenStream, ident: &syn::Ident) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(i) => i == "Self" || i == *ident,
        TokenTree::Group(g) => names(g.stream(), ident),
        _ => false,
    })
}

/// `init()` for `init = ...`: through `call_init_fn` for a path, which reports a fn
/// that takes parameters with the reason (first-wins arguments) instead of E0593; a
/// closure through `call_init`, whose `FnOnce() -> R` bound infers its return type.
pub(crate) fn call_init(init: &syn::Expr) -> TokenStream {
    if !is_path(init) {
        return call_init_async(init);
    }
    // The local keeps a later error about the value (`init` returns the wrong type) at
    // the path too: a call's value is blamed on its arguments' inference, which ends at
    // the macro's own span.
    let value = syn::Ident::new("value", Span::mixed_site().located_at(init.span()));
    let call = call_init_async(init);
    quote_spanned!(init.span()=> {
        #[allow(clippy::let_and_return)]
        let #value = #call;
        #value
    })
}

/// [`call_init`] for `init = async ...`, without the local: an `init` that returns no
/// future is then reported once, at the span where rustc puts both errors about it.
pub(crate) fn call_init_async(init: &syn::Expr) -> TokenStream {
    let rt = common::private();
    if is_path(init) {
        // The turbofish gives the inferred parameters the path's span, where the error
        // goes.
        quote_spanned!(init.span()=> #rt::call_init_fn::<_, _>(#init))
    } else {
        quote_spanned!(init.span()=> #rt::call_init(#init))
    }
}

/// A path, also inside the invisible group of a `macro_rules` fragment.
fn is_path(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Path(_) => true,
        syn::Expr::Group(g) => is_path(&g.expr),
        syn::Expr::Paren(p) => is_path(&p.expr),
        _ => false,
    }
}

/// An async singleton's initialiser `future` (an expression), checked for `Send` with
/// the message at `at` (the `async`): see `future_check.rs` in the runtime.
pub(crate) fn send_init_future(at: Span, future: &TokenStream) -> TokenStream {
    let rt = common::private();
    // The local carries the future expression's span: an error about its type (an
    // `init = async path` that returns no future) is then the one reported there.
    let first = future.clone().into_iter().next();
    let future_var = syn::Ident::new(
        "future",
        Span::mixed_site().located_at(first.map_or(at, |token| token.span())),
    );
    let probe = syn::Ident::new("probe", Span::mixed_site());
    let check = quote_spanned!(at=> (&&&#probe).singleton_verdict().check().select(#future_var));
    quote_spanned! {at=>
        #rt::init_future_must_be_send({
            use #rt::probes::*;
            let #future_var = #future;
            let #probe = #rt::FutureProbe::of(&#future_var);
            #check
        })
    }
}

/// The future of `init = async ...`, checked for `Send`: with our message for a path
/// (`init = async Pool::connect`), whose future type comes from another fn; an async
/// closure's future is type-checked with the body that holds it, so whether it is
/// `Send` is not known yet when the probe is resolved, and the probe would only add
/// itself to rustc's error: a closure keeps rustc's message alone.
pub(crate) fn send_init_future_of(init: &syn::Expr, at: Span, future: &TokenStream) -> TokenStream {
    if is_path(init) {
        send_init_future(at, future)
    } else {
        let rt = common::private();
        quote_spanned!(at=> #rt::init_future_must_be_send(#future))
    }
}

/// The initialiser future of `#[singleton] async fn`, checked for `Send`: the body
/// becomes an `async fn` of its own, because whether an `async` block is `Send` is
/// known only after the body that contains it is type-checked — too late for the
/// check's method resolution, which then leaves rustc's own message — while a
/// separate fn's future is known when its caller is checked. (The body cannot tell:
/// the fn has no parameters, no generics and no `self`.)
pub(crate) fn async_fn_init(at: Span, declared: &syn::Type, block: &syn::Block) -> TokenStream {
    let init_fn = syn::Ident::new("__singleton_init", at);
    let future = quote!(#init_fn());
    let checked = send_init_future(at, &future);
    quote! {{
        #[allow(clippy::unused_async)]
        async fn #init_fn() -> #declared #block
        #checked
    }}
}

/// `constructor(args, &types)` after the `Send + Sync` check of each of `types`, whose
/// failure is reported at `at` with the message of the verdict's `method`
/// (`guarded_value`, `cached_type`): see `value_check.rs` in the runtime.
pub(crate) fn checked_types(
    at: Span,
    method: &str,
    types: &[&syn::Type],
    constructor: &TokenStream,
    args: &TokenStream,
) -> TokenStream {
    let rt = common::private();
    let verdict = syn::Ident::new("verdict", Span::mixed_site());
    let probe = syn::Ident::new("probe", Span::mixed_site());
    let types_var = syn::Ident::new("types", Span::mixed_site());
    let method = syn::Ident::new(method, at);
    let checks = types.iter().map(|ty| {
        let check = quote_spanned!(at=> (&&&#probe).singleton_verdict().#method());
        quote! {
            let #verdict = #rt::Fold::and(#verdict, {
                let #probe = #rt::ValueProbe::<#ty>::new();
                #check
            });
        }
    });
    quote! {{
        #[allow(clippy::all, clippy::pedantic)]
        let #types_var = || {
            use #rt::probes::*;
            let #verdict = #rt::NoneReported;
            #(#checks)*
            #verdict
        };
        #constructor(#args, &#types_var)
    }}
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::{cfgs_of, invokes_macro};

    fn cfgs(attr: &str) -> Option<Vec<String>> {
        let attr: syn::Meta = syn::parse_str(attr).expect("test attribute"); // ok: test input
        cfgs_of(&attr).map(|kept| kept.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_cfg_attr_keeps_only_what_removes_the_field() {
        assert_eq!(cfgs("cfg(unix)"), Some(vec!["cfg (unix)".to_owned()]));
        assert_eq!(
            cfgs("cfg_attr(all(), cfg(any()), doc = \"x\")"),
            Some(vec!["cfg_attr (all () , cfg (any ()))".to_owned()])
        );
        assert_eq!(
            cfgs("cfg_attr(a, cfg_attr(b, cfg(c), serde(skip)))"),
            Some(vec!["cfg_attr (a , cfg_attr (b , cfg (c)))".to_owned()])
        );
        assert_eq!(
            cfgs("cfg_attr(docsrs, doc(cfg(feature = \"x\")))"),
            Some(vec![])
        );
        assert_eq!(cfgs("doc = \"x\""), Some(vec![]));
        assert_eq!(cfgs("cfg_attr"), None);
    }

    #[test]
    fn a_macro_invocation_is_found_at_any_depth_and_never_is_not_one() {
        assert!(invokes_macro(quote!(me!())));
        assert!(invokes_macro(quote!(Vec<Option<field![u8]>>)));
        assert!(invokes_macro(quote!((u8, path::to::m! {}))));
        assert!(!invokes_macro(quote!(std::marker::PhantomData<fn() -> !>)));
        assert!(!invokes_macro(quote!(Option<Box<Self>>)));
    }
}
