//! Turns the annotated item into a [`Form`], or reports every misuse at its token.

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::{Token, spanned::Spanned};

use super::args::{Args, Scope};
use crate::common::{self, Errors, Unstorable};

/// What `#[singleton]` was put on, checked.
#[allow(
    clippy::large_enum_variant,
    reason = "one short-lived value per macro invocation"
)]
pub(crate) enum Form {
    /// A struct or enum: gains `Type::instance()`.
    Type(TypeForm),
    /// A fn: becomes `fn() -> &'static T`.
    Fn(FnForm),
}

pub(crate) struct TypeForm {
    /// The item exactly as written, emitted unchanged.
    pub(crate) item: TokenStream,
    pub(crate) vis: syn::Visibility,
    pub(crate) ident: syn::Ident,
    /// `init = ...`, else `Default`.
    pub(crate) init: Option<syn::Expr>,
    /// `init = async ...`: the initialiser returns a future.
    pub(crate) asyncness: Option<syn::Token![async]>,
    /// `scope = thread`: one instance per thread.
    pub(crate) thread: bool,
    /// `error = E`: `init` returns `Result<Self, E>`.
    pub(crate) error: Option<syn::Type>,
}

pub(crate) struct FnForm {
    pub(crate) attrs: Vec<syn::Attribute>,
    pub(crate) vis: syn::Visibility,
    pub(crate) sig: syn::Signature,
    pub(crate) block: syn::Block,
    /// The declared return type: `T`, or `Result<T, E>`.
    pub(crate) declared: syn::Type,
    /// `T`, the type stored in the singleton.
    pub(crate) value: syn::Type,
    /// What the fn returns after expansion: `&'static T` or `Result<&'static T, E>`.
    pub(crate) returned: syn::Type,
    /// Whether the declared return type is a `Result`.
    pub(crate) fallible: bool,
    /// `scope = thread`: one instance per thread.
    pub(crate) thread: bool,
}

impl FnForm {
    /// An `async fn`: the body is an async initialiser.
    pub(crate) fn is_async(&self) -> bool {
        self.sig.asyncness.is_some()
    }
}

pub(crate) fn validate(args: Args, item: TokenStream) -> syn::Result<Form> {
    let parsed: syn::Item = syn::parse2(item.clone()).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("{e}; `#[singleton]` goes on a struct, an enum or a fn"),
        )
    })?;
    match parsed {
        syn::Item::Struct(s) => type_form(args, item, s.vis, s.ident, &s.generics, &s.attrs),
        syn::Item::Enum(e) => type_form(args, item, e.vis, e.ident, &e.generics, &e.attrs),
        syn::Item::Fn(f) => fn_form(&args, f),
        syn::Item::Union(u) => Err(syn::Error::new_spanned(
            u.union_token,
            "`#[singleton]` does not support unions: reading a union field is `unsafe`, so a \
             shared instance could not be used safely; wrap the data in a struct",
        )),
        other => Err(syn::Error::new_spanned(
            common::item_keyword(&other),
            "`#[singleton]` goes on a struct, an enum or a fn; for a lock-guarded static use \
             `#[guarded_global]`",
        )),
    }
}

fn type_form(
    args: Args,
    item: TokenStream,
    vis: syn::Visibility,
    ident: syn::Ident,
    generics: &syn::Generics,
    attrs: &[syn::Attribute],
) -> syn::Result<Form> {
    let mut errors = Errors::default();
    if let (Some(error), None) = (&args.error, &args.init) {
        errors.spanned(
            &error.key,
            "`error = ...` is the error type of a fallible `init`; add `init = path` naming a \
             `fn() -> Result<Self, E>`",
        );
    }
    let thread = thread_scope(&args);
    if let (Some(_), Some(error)) = (thread, &args.error) {
        errors.spanned(
            &error.key,
            "a thread-scoped singleton's initialiser cannot fail: there is no caller to hand \
             an error to on each thread's first access; build a value that holds the error \
             (e.g. `Result<T, E>` as a field) or drop `scope = thread`",
        );
    }
    if let (Some(_), Some(token)) = (thread, args.init.as_ref().and_then(|i| i.asyncness)) {
        errors.spanned(
            token,
            "a thread-scoped singleton cannot have an async initialiser: it is built on the \
             thread's first access, inside a sync closure; build it synchronously",
        );
    }
    // The item's mistakes after the arguments', its derives before its generics: in the
    // order written.
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        else {
            continue; // Not ours to report: rustc explains a malformed derive.
        };
        for path in paths {
            let Some(last) = path.segments.last() else {
                continue;
            };
            if last.ident == "Clone" || last.ident == "Copy" {
                errors.spanned(
                    &path,
                    format!(
                        "a singleton must not derive `{}`: a copy would be a second instance \
                         that silently stops seeing the shared state; remove the derive and \
                         share `&'static {ident}` from `{ident}::instance()`",
                        last.ident
                    ),
                );
            }
        }
    }
    reject_generics(&mut errors, generics, "struct");
    errors.finish()?;
    Ok(Form::Type(TypeForm {
        thread: thread.is_some(),
        item,
        vis,
        ident,
        asyncness: args.init.as_ref().and_then(|init| init.asyncness),
        init: args.init.map(|init| init.expr),
        error: args.error.map(|error| error.value),
    }))
}

fn fn_form(args: &Args, f: syn::ItemFn) -> syn::Result<Form> {
    let mut errors = Errors::default();
    if let Some(init) = &args.init {
        errors.spanned(
            &init.key,
            "`init` is for a singleton struct; the body of a `#[singleton]` fn is its initialiser",
        );
    }
    if let Some(error) = &args.error {
        errors.spanned(
            &error.key,
            "`error` is for a singleton struct; a `#[singleton]` fn declares `-> Result<T, E>`",
        );
    }
    let sig = &f.sig;
    if let Some(token) = &sig.constness {
        errors.spanned(
            token,
            "a `#[singleton]` fn cannot be `const`: it initialises at run time, on first use; \
             for a compile-time constant use a plain `const` or `static`",
        );
    }
    let thread = thread_scope(args);
    // `async` after `const`, before the rest: reported in the order written.
    if let (Some(_), Some(token)) = (thread, &sig.asyncness) {
        errors.spanned(
            token,
            "a thread-scoped singleton cannot be an `async fn`: it is built on the \
             thread's first access, inside a sync closure (and a task moves between \
             threads); make the fn sync, or drop `scope = thread`",
        );
    }
    if let (Some(_), Some(token)) = (thread, &sig.unsafety) {
        errors.spanned(
            token,
            "a thread-scoped singleton cannot be an `unsafe fn`: it is reached through \
             `name::with`, which is safe to call, so the fn's safety contract would be \
             silently dropped; make the fn safe (an `unsafe` block inside the body, \
             with its `// SAFETY:` reasoning), or drop `scope = thread`",
        );
    }
    reject_generics(&mut errors, &sig.generics, "fn");
    if let Some(receiver) = sig.receiver() {
        errors.spanned(
            receiver,
            "a `#[singleton]` fn cannot take `self`: there is one instance for the whole \
             process, not one per value; make it a free fn without parameters, outside \
             the `impl` (the module it comes with cannot sit in one), or put `#[singleton]` \
             on the struct for `Type::instance()`",
        );
    } else if !sig.inputs.is_empty() {
        errors.spanned(
            &sig.inputs,
            "a `#[singleton]` fn takes no parameters: its body runs once, so every later call \
             would silently ignore its arguments (the first caller's arguments win); read the \
             inputs inside the body, or set them once with `#[init_once]`",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "a `#[singleton]` fn takes no parameters");
    }
    let declared = match &sig.output {
        syn::ReturnType::Type(_, ty) => Ok((**ty).clone()),
        syn::ReturnType::Default => Err(syn::Error::new_spanned(
            &sig.ident,
            format!(
                "a `#[singleton]` fn must return the value to share: `fn {}() -> T`",
                sig.ident
            ),
        )),
    };
    let value = declared.as_ref().ok().and_then(result_value);
    if let Ok(ty) = &declared {
        check_value(&mut errors, ty, value.as_ref(), sig, thread.is_some());
    }
    let declared = errors.finish_with(declared)?;
    let fallible = value.is_some();
    let value = value.unwrap_or_else(|| declared.clone());
    let returned = static_ref_return(&declared, &value, fallible);
    Ok(Form::Fn(FnForm {
        thread: thread.is_some(),
        attrs: f.attrs,
        vis: f.vis,
        sig: f.sig,
        block: *f.block,
        declared,
        value,
        returned,
        fallible,
    }))
}

/// `Result<T, E>` (any path ending in `Result`, also `io::Result<T>`) gives `Some(T)`.
pub(super) fn result_value(ty: &syn::Type) -> Option<syn::Type> {
    common::result_args(ty)?
        .first()
        .map(|value| (*value).clone())
}

/// `T` becomes `&'static T`; `Result<T, E>` becomes `Result<&'static T, E>`.
pub(super) fn static_ref_return(
    declared: &syn::Type,
    value: &syn::Type,
    fallible: bool,
) -> syn::Type {
    // Built, not parsed: nothing here can fail on odd input.
    let reference = syn::Type::Reference(syn::TypeReference {
        and_token: syn::Token![&](value.span()),
        lifetime: Some(syn::Lifetime::new("'static", value.span())),
        mutability: None,
        elem: Box::new(value.clone()),
    });
    if !fallible {
        return reference;
    }
    // The `Result` path itself, out of any group a `macro_rules` fragment put around it.
    let mut rewritten = common::peel_type(declared).clone();
    if let syn::Type::Path(path) = &mut rewritten
        && let Some(last) = path.path.segments.last_mut()
        && let syn::PathArguments::AngleBracketed(args) = &mut last.arguments
        && let Some(first) = args.args.first_mut()
    {
        *first = syn::GenericArgument::Type(reference);
    }
    rewritten
}

/// The declared return type `ty` (whose `T` is `value` if it is a `Result`): what a
/// `static` cannot hold, `!` (no value to share), a type that borrows (stored for the
/// rest of the process or the thread; a generic fn's lifetimes are reported at its
/// generics), and a thread-scoped initialiser that can fail.
fn check_value(
    errors: &mut Errors,
    ty: &syn::Type,
    value: Option<&syn::Type>,
    sig: &syn::Signature,
    thread: bool,
) {
    let stored = value.unwrap_or(ty);
    check_storable(errors, stored);
    if let syn::Type::Never(never) = common::peel_type(stored) {
        errors.spanned(
            never,
            "a `#[singleton]` fn cannot return `!`: a body that never returns gives no value \
             to share; return the value, or drop `#[singleton]`",
        );
        return;
    }
    if !thread {
        if let Some(lifetime) = borrowed(stored).filter(|_| sig.generics.params.is_empty()) {
            errors.push(syn::Error::new(
                lifetime,
                "a singleton's type must be `'static`: it is stored in a `static` and shared \
                 for the rest of the process; own the data (`String` for `&str`, `Vec<T>` for \
                 `&[T]`) or borrow `'static` data (`&'static str`)",
            ));
        }
        return;
    }
    if value.is_some() {
        errors.spanned(
            ty,
            "a thread-scoped singleton's initialiser cannot fail: there is no caller to hand \
             an error to on each thread's first access; return a value that holds the error, \
             or drop `scope = thread`",
        );
    }
    if let Some(lifetime) = borrowed(ty) {
        errors.push(syn::Error::new(
            lifetime,
            "a thread-scoped singleton's type must be `'static`: it lives in a \
             `thread_local!` until the thread exits; own the data (`String` for `&str`, \
             `Vec<T>` for `&[T]`) or borrow `'static` data",
        ));
    }
}

/// The stored type lives in a `static`: it must be sized and nameable there.
fn check_storable(errors: &mut Errors, ty: &syn::Type) {
    for found in common::unstorable(ty) {
        match found {
            Unstorable::TraitObject(ty) => errors.spanned(
                ty,
                "a singleton's type must be sized: it is stored in a `static`; return \
                 `Box<dyn Trait + Send + Sync>` instead of a bare trait object",
            ),
            Unstorable::ImplTrait(ty) => errors.spanned(
                ty,
                "a singleton's type must be written out: it is stored in a `static`, which \
                 cannot hold an `impl Trait`; name the concrete type, or return \
                 `Box<dyn Trait + Send + Sync>`",
            ),
            Unstorable::SelfType(ident) => errors.spanned(
                ident,
                "a `#[singleton]` fn cannot return `Self`: the instance is stored in a \
                 `static`, which cannot name `Self`; write the type's name, or put \
                 `#[singleton]` on the struct itself",
            ),
        }
    }
}

fn reject_generics(errors: &mut Errors, generics: &syn::Generics, what: &str) {
    if !generics.params.is_empty() {
        errors.spanned(
            &generics.params,
            format!(
                "a singleton {what} cannot be generic: there is one instance per process, and a \
                 `static` cannot depend on type or lifetime parameters; make one singleton per \
                 concrete type"
            ),
        );
    } else if let Some(clause) = &generics.where_clause {
        errors.spanned(
            clause,
            format!("a singleton {what} cannot have a `where` clause"),
        );
    }
}

/// The `scope` key if it is `scope = thread`.
pub(super) fn thread_scope(args: &Args) -> Option<&syn::Ident> {
    args.scope
        .as_ref()
        .filter(|scope| scope.value == Scope::Thread)
        .map(|scope| &scope.key)
}

/// Where `ty` borrows non-`'static` data: an elided or named lifetime other than
/// `'static` (a reference without a lifetime, `'a`, `'_`).
pub(super) fn borrowed(ty: &syn::Type) -> Option<proc_macro2::Span> {
    struct Finder(Option<proc_macro2::Span>);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_type_reference(&mut self, reference: &'a syn::TypeReference) {
            if reference.lifetime.is_none() && self.0.is_none() {
                self.0 = Some(reference.and_token.span);
            }
            syn::visit::visit_type_reference(self, reference);
        }
        fn visit_lifetime(&mut self, lifetime: &'a syn::Lifetime) {
            if lifetime.ident != "static" && self.0.is_none() {
                self.0 = Some(lifetime.span());
            }
        }
    }
    let mut finder = Finder(None);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}
