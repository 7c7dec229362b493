//! Checks that the item is a loader `fn name(path: &Path) -> Result<T, E>` and splits
//! it into the pieces `expand` needs, or reports every misuse at its token.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;

use super::args::Args;
use crate::common::{self, Errors, Unstorable};

/// A valid `#[invalidating_cache]` loader.
pub(crate) struct Loader {
    pub(crate) args: Args,
    /// Attributes of the cached fn (docs, `#[inline]`, lints, `#[cfg]` ...).
    pub(crate) attrs: Vec<syn::Attribute>,
    /// `#[allow]`/`#[warn]`/`#[deny]`/`#[forbid]`: also apply to the loader's body.
    pub(crate) lint_attrs: Vec<syn::Attribute>,
    /// `#[cfg]`: also apply to the generated module and impl.
    pub(crate) cfg_attrs: Vec<syn::Attribute>,
    pub(crate) vis: syn::Visibility,
    pub(crate) ident: syn::Ident,
    /// The `path: &Path` (or `ctx: &mut LoadContext`) parameter, as written.
    pub(crate) param: syn::PatType,
    /// The loader reads through a `&mut LoadContext` (several files).
    pub(crate) context: bool,
    /// The return type as written, and its `T` and `E`.
    pub(crate) output: syn::Type,
    pub(crate) value: syn::Type,
    pub(crate) error: syn::Type,
    /// `E` is `Box<dyn Error + Send + Sync>`: the cache stores it as the runtime's
    /// `BoxedError` (an `Error`, unlike `Arc<Box<dyn Error>>`), and `error` names that.
    pub(crate) boxed_error: bool,
    pub(crate) block: Box<syn::Block>,
}

const SHAPE: &str = "`fn name(path: &Path) -> Result<T, E>` (or `fn name(ctx: &mut LoadContext) -> Result<T, E>` for several files)";

/// Checks the item, which does not depend on the arguments; on success, the
/// [`Loader`] awaiting them.
pub(crate) fn validate(item: TokenStream) -> syn::Result<impl FnOnce(Args) -> Loader> {
    match syn::parse2::<syn::Item>(item)? {
        syn::Item::Fn(item) => check_fn(item),
        other => Err(syn::Error::new_spanned(
            common::item_keyword(&other),
            format!("`#[invalidating_cache]` goes on the fn that loads the file: {SHAPE}"),
        )),
    }
}

/// Checks the fn; on success, the [`Loader`] awaiting its arguments.
fn check_fn(item: syn::ItemFn) -> syn::Result<impl FnOnce(Args) -> Loader> {
    let mut errors = Errors::default();
    let sig = &item.sig;
    if let Some(asyncness) = &sig.asyncness {
        errors.spanned(
            asyncness,
            "`#[invalidating_cache]` cannot cache an `async fn`: the loader runs on the calling \
             thread when the file has changed; make it a plain `fn` that reads with `std::fs`",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(
            unsafety,
            "the loader cannot be `unsafe fn`: callers of the cached fn could not uphold its \
             contract; make it safe, with `unsafe` blocks inside",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(abi, "the loader cannot have an `extern` ABI; remove it");
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            "the loader cannot be generic: the cache keeps one value of one type in a `static`; \
             write one cached fn per concrete type",
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.spanned(
            where_clause,
            "the loader cannot have a `where` clause: it cannot be generic",
        );
    }
    let param = check_inputs(sig, &mut errors);
    let output = check_output(sig, &mut errors);
    errors.finish()?;
    let (Some((param, context)), Some((output, value, error))) = (param, output) else {
        // Every `None` above recorded an error, so this is not reached; stated as an
        // error rather than a panic all the same.
        return Err(syn::Error::new_spanned(
            &item.sig,
            format!("expected {SHAPE}"),
        ));
    };
    Ok(loader(item, param, context, (output, value, error)))
}

/// The [`Loader`] of a checked fn, awaiting its arguments.
fn loader(
    item: syn::ItemFn,
    param: syn::PatType,
    context: bool,
    (output, value, error): (syn::Type, syn::Type, syn::Type),
) -> impl FnOnce(Args) -> Loader {
    let boxed_error = is_boxed_dyn_error(&error);
    let error = if boxed_error {
        let rt = common::private_at(error.span());
        syn::parse_quote_spanned! {error.span()=> #rt::BoxedError}
    } else {
        error
    };
    let (lint_attrs, cfg_attrs) = split_attrs(&item.attrs);
    // `#[expect]` moves to the loader body: left on the generated fn as well, it would be
    // unfulfilled there (the body is no longer in it) and warn.
    let attrs = item
        .attrs
        .into_iter()
        .filter(|a| !a.path().is_ident("expect"))
        .collect();
    move |args| Loader {
        args,
        attrs,
        lint_attrs,
        cfg_attrs,
        vis: item.vis,
        ident: item.sig.ident,
        param,
        context,
        output,
        value,
        error,
        boxed_error,
        block: item.block,
    }
}

/// The stub beside the errors (see `AttributeMacro::fallback`): the [`Loader`] the fn
/// would have been with its mistakes left out (a body `unreachable!()`, the parameter
/// `_: &Path` unless it is `&Path` or `&mut LoadContext` already), so that the cached fn
/// and its module exist. `None` where they cannot be derived: no `Result<T, E>` with
/// storable `T` and `E`, generics, a `self`.
pub(crate) fn repaired(args: Option<Args>, item: &TokenStream) -> Option<Loader> {
    let syn::Item::Fn(mut item) = syn::parse2::<syn::Item>(item.clone()).ok()? else {
        return None;
    };
    let sig = &item.sig;
    if !common::free_and_concrete(sig) {
        return None;
    }
    let output = check_output(sig, &mut Errors::default())?;
    let written = match sig.inputs.first() {
        Some(syn::FnArg::Typed(param)) if is_ref_to(&param.ty, "LoadContext", true) => {
            Some(((*param.ty).clone(), true))
        }
        Some(syn::FnArg::Typed(param)) if is_ref_to(&param.ty, "Path", false) => {
            Some(((*param.ty).clone(), false))
        }
        _ => None,
    };
    let (ty, context) = written.unwrap_or_else(|| (syn::parse_quote!(&::std::path::Path), false));
    let param = syn::parse_quote!(_: #ty);
    item.block = Box::new(common::unreachable_block());
    let args = args.unwrap_or_else(|| Args {
        path: syn::parse_quote!(""),
        check_interval: None,
        watch: None,
    });
    Some(loader(item, param, context, output)(args))
}

/// The parameter, and whether it is a `&mut LoadContext`.
fn check_inputs(sig: &syn::Signature, errors: &mut Errors) -> Option<(syn::PatType, bool)> {
    if let Some(syn::FnArg::Receiver(receiver)) = sig.inputs.first() {
        errors.spanned(
            receiver,
            "`#[invalidating_cache]` caches a free fn, not a method: the cache is process-wide, \
             not per `self`; move the loader out of the `impl` and give it `path: &Path`",
        );
        return None;
    }
    if sig.inputs.is_empty() {
        errors.push(syn::Error::new(
            sig.paren_token.span.join(),
            format!(
                "the loader takes the path of the file to read: {SHAPE}; the cache calls it with \
                 the attribute's `path = ...`"
            ),
        ));
        return None;
    }
    for extra in sig.inputs.iter().skip(1) {
        errors.spanned(
            extra,
            "the loader takes exactly one parameter, `path: &Path`: the cached fn takes no \
             arguments, so nothing could be passed here; read other settings inside the loader",
        );
    }
    let Some(syn::FnArg::Typed(first)) = sig.inputs.first() else {
        return None;
    };
    let context = is_ref_to(&first.ty, "LoadContext", true);
    if !context && !is_ref_to(&first.ty, "Path", false) {
        errors.spanned(
            &first.ty,
            "the loader's parameter must be `&Path` (`std::path::Path`): the cache passes the \
             path of the file it checks; or `&mut LoadContext` \
             (`singleton_runtime::LoadContext`) for a value read from several files",
        );
    }
    Some((first.clone(), context))
}

/// `&name` (or `&mut name` if `mutable`), `name` being the last segment of a path.
fn is_ref_to(ty: &syn::Type, name: &str, mutable: bool) -> bool {
    let syn::Type::Reference(reference) = common::peel_type(ty) else {
        return false;
    };
    let lifetime_ok = reference.lifetime.as_ref().is_none_or(|l| l.ident == "_");
    let syn::Type::Path(path) = common::peel_type(&reference.elem) else {
        return false;
    };
    let last_is_path = path
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == name && matches!(s.arguments, syn::PathArguments::None));
    reference.mutability.is_some() == mutable && lifetime_ok && path.qself.is_none() && last_is_path
}

fn check_output(
    sig: &syn::Signature,
    errors: &mut Errors,
) -> Option<(syn::Type, syn::Type, syn::Type)> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        errors.push(syn::Error::new(
            sig.paren_token.span.close(),
            format!(
                "the loader must return `Result<T, E>`: {SHAPE}. A file can be missing or \
                 malformed; on `Err` the cache keeps its last good value and reports the error"
            ),
        ));
        return None;
    };
    let (value, error) = result_args(ty, errors)?;
    let mut found = Errors::default();
    check_storable("value", &value, &mut found);
    check_storable("error", &error, &mut found);
    check_dyn_shareable("value", &value, &mut found);
    check_dyn_shareable("error", &error, &mut found);
    match found.finish() {
        Ok(()) => Some(((**ty).clone(), value, error)),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// `T` and `E` of `Result<T, E>`, or an error at the return type.
fn result_args(ty: &syn::Type, errors: &mut Errors) -> Option<(syn::Type, syn::Type)> {
    let qualified = matches!(common::peel_type(ty), syn::Type::Path(path) if path.qself.is_some());
    let Some(types) = common::result_args(ty).filter(|_| !qualified) else {
        errors.spanned(
            ty,
            format!(
                "the loader must return `Result<T, E>`: {SHAPE}. A file can be missing or \
                 malformed; on `Err` the cache keeps its last good value and reports the error"
            ),
        );
        return None;
    };
    match types[..] {
        [value, error] => Some((value.clone(), error.clone())),
        // An alias such as `io::Result<T>` or `anyhow::Result<T>`: the error type is
        // found by the compiler, through the runtime's `LoaderResult` trait.
        [value] => {
            let rt = common::private_at(ty.span());
            let error = syn::parse_quote_spanned! {ty.span()=>
                <#ty as #rt::LoaderResult>::Error
            };
            Some((value.clone(), error))
        }
        _ => {
            errors.spanned(
                ty,
                format!("the loader must return `Result<T, E>`: {SHAPE}"),
            );
            None
        }
    }
}

/// Rejects `Self`, `impl Trait` (at any depth) and a bare `dyn Trait` in `T` or `E`:
/// both end up in a `static`'s type.
fn check_storable(what: &str, ty: &syn::Type, errors: &mut Errors) {
    for found in common::unstorable(ty) {
        match found {
            Unstorable::SelfType(ident) => errors.spanned(
                ident,
                format!(
                    "`Self` cannot name the {what} type here: the cache is a `static` outside any \
                     `impl`; write the type's name"
                ),
            ),
            Unstorable::ImplTrait(impl_trait) => errors.spanned(
                impl_trait.impl_token,
                format!(
                    "the {what} type must be nameable: it is stored in a `static`; write the \
                     concrete type instead of `impl Trait`"
                ),
            ),
            Unstorable::TraitObject(ty) => errors.spanned(
                ty,
                format!(
                    "the {what} type must be sized: it is stored in a `static`; write \
                     `Box<dyn Trait + Send + Sync>` instead of a bare trait object"
                ),
            ),
        }
    }
}

/// A trait object in `T` or `E` without `Send` and `Sync` among its bounds is shared by
/// every thread and cannot be: one error, at the trait object, with the bounds to add
/// (rustc would report `Send` and `Sync` apart, through the runtime).
fn check_dyn_shareable(what: &str, ty: &syn::Type, errors: &mut Errors) {
    struct Finder<'a>(Vec<&'a syn::TypeTraitObject>);
    impl<'a> syn::visit::Visit<'a> for Finder<'a> {
        fn visit_type_trait_object(&mut self, object: &'a syn::TypeTraitObject) {
            self.0.push(object);
            syn::visit::visit_type_trait_object(self, object);
        }
    }
    let mut finder = Finder(Vec::new());
    syn::visit::Visit::visit_type(&mut finder, ty);
    for object in finder.0 {
        let missing: Vec<&str> = ["Send", "Sync"]
            .into_iter()
            .filter(|marker| !has_bound(object, marker))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let written = object.to_token_stream().to_string();
        let fixed = format!("{written} + {}", missing.join(" + "));
        errors.spanned(
            object,
            format!(
                "the {what} type is shared by every thread that calls the cache, so a trait \
                 object in it must be `Send + Sync`: write `{fixed}`"
            ),
        );
    }
}

fn has_bound(object: &syn::TypeTraitObject, marker: &str) -> bool {
    object.bounds.iter().any(|bound| match bound {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == marker),
        _ => false,
    })
}

/// `Box<dyn Error + Send + Sync>` (any path to `Error`, any lifetime bound), also
/// through the invisible group of a `$e:ty` fragment.
fn is_boxed_dyn_error(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = common::peel_type(ty) else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    let [syn::GenericArgument::Type(inner)] = args.args.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    let syn::Type::TraitObject(inner) = common::peel_type(inner) else {
        return false;
    };
    last.ident == "Box"
        && path.qself.is_none()
        && has_bound(inner, "Error")
        && has_bound(inner, "Send")
        && has_bound(inner, "Sync")
}

/// Lint attributes (which must also cover the loader's body) and `#[cfg]`s (which must
/// cover every generated item).
fn split_attrs(attrs: &[syn::Attribute]) -> (Vec<syn::Attribute>, Vec<syn::Attribute>) {
    let is = |attr: &syn::Attribute, names: &[&str]| names.iter().any(|n| attr.path().is_ident(n));
    let lints = attrs
        .iter()
        .filter(|a| is(a, &["allow", "expect", "warn", "deny", "forbid"]))
        .cloned()
        .collect();
    let cfgs = attrs.iter().filter(|a| is(a, &["cfg"])).cloned().collect();
    (lints, cfgs)
}
