//! Wraps the body: `fn f(args) -> T` becomes `fn f(args) -> Result<T, AlreadyInitialized>`,
//! and `fn f(args) -> Result<T, E>` becomes `fn f(args) -> Result<T, InitOnceError<E>>`
//! (one layer, so `?` propagates the body's error; an `Err` is not the one run).
//!
//! The fn gains `#[track_caller]`, so the location recorded for the first call (and
//! shown by every later error) is the caller's, not this expansion's. The body becomes
//! a closure passed straight to the runtime, so `return` and `?` keep their meaning.
//! The closure is annotated with the fn's return type, as `#[singleton]` does, so that
//! an early `return Box::new(|| 1)` coerces to `Box<dyn Fn() -> u8>` as in the fn;
//! except for a return type containing `impl Trait`, which a closure cannot name.

use std::sync::atomic::{AtomicUsize, Ordering};

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::{Args, Concurrent};
use super::validate::Form;
use crate::common;

/// Numbers the expansions that share a guard with a generated item, for their ids: two
/// fns of one name from one `macro_rules` invocation (in two `impl`s) have the same
/// module, name, file, line and column, but not the same number. Only the fn and its
/// items, from one expansion, must agree on it.
// singleton-audit: allow(a counter of this macro's expansions within one compilation, for unique ids)
static EXPANSIONS: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn expand(form: &Form, args: &Args) -> TokenStream {
    let Form { item, output, .. } = form;
    let syn::ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let name = common::name_of(&sig.ident);
    let rt = crate::common::private();
    let impl_trait = common::unstorable(output)
        .iter()
        .any(|found| matches!(found, common::Unstorable::ImplTrait(_)));
    let returns = (!impl_trait).then(|| quote!(-> #output));
    let wait = args.concurrent == Concurrent::Wait;
    let Wrapped {
        output: wrapped,
        call,
        errors_text,
        must_use_text,
    } = wrap(form, &name, wait);
    let mut sig = sig.clone();
    sig.output = wrapped;

    // The fn now returns a `Result`: its docs (if any) say when it is an error, and
    // clippy's `missing_errors_doc` is allowed, because clippy drops doc lines that come
    // from a proc macro and would not see that section in a fn a local `macro_rules`
    // generated.
    let documented = attrs.iter().any(|a| a.path().is_ident("doc"));
    let errors_doc = (documented && !has_errors_section(attrs)).then(|| {
        let text = format!("{errors_text}.");
        quote! {
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = ""]
            #[doc = #text]
        }
    });
    // The user's own `#[must_use]` wins (a second one would be an unused attribute).
    let must_use = (!attrs.iter().any(|a| a.path().is_ident("must_use")))
        .then(|| quote!(#[must_use = #must_use_text]));

    let id = (args.state.is_some() || args.reset.is_some()).then(|| {
        // The fn and its generated items cannot name one `static` (they may be
        // associated fns, where none can be declared): they meet in the runtime's
        // registry under this id (module, name, place, expansion number).
        let number = EXPANSIONS.fetch_add(1, Ordering::Relaxed).to_string();
        quote!(::core::concat!(
            ::core::module_path!(), "::", #name, "@", ::core::file!(), ":",
            ::core::line!(), ":", ::core::column!(), "#", #number
        ))
    });
    let guard = match &id {
        // The static lives in the receiver's block, the body in the closure after it:
        // the body cannot see the static, nor shadow it.
        None => quote!({
            static __INIT_ONCE: #rt::InitOnce = #rt::InitOnce::new(#name);
            &__INIT_ONCE
        }),
        Some(id) => quote!(#rt::init_once_by_id(#id, #name)),
    };
    let siblings = id.map(|id| siblings(args, attrs, vis, &name, &id));

    quote! {
        #(#attrs)*
        #errors_doc
        #must_use
        #[allow(clippy::missing_errors_doc)]
        #[track_caller]
        #vis #sig {
            #call(#guard, ::core::panic::Location::caller(), #wait, move || #returns #block)
        }

        #siblings
    }
}

/// What the fn returns after expansion, the runtime fn its body goes to, and what its
/// `# Errors` and `#[must_use]` say.
pub(super) struct Wrapped {
    pub(super) output: syn::ReturnType,
    call: TokenStream,
    errors_text: &'static str,
    must_use_text: String,
}

pub(super) fn wrap(form: &Form, name: &str, wait: bool) -> Wrapped {
    let rt = crate::common::private();
    let output = &form.output;
    let Some(type_args) = &form.fallible else {
        return Wrapped {
            output: syn::parse_quote! {
                -> ::core::result::Result<#output, #rt::AlreadyInitialized>
            },
            call: quote!(#rt::call),
            errors_text: if wait {
                "`AlreadyInitialized` if a call has already run the body (a call that arrives \
                 while another thread runs it waits for it first)"
            } else {
                "`AlreadyInitialized` if a call has already run the body, or is running it on \
                 another thread"
            },
            must_use_text: if wait {
                format!(
                    "`{name}` returns Err if it already ran: handle it with `?`, or `.ok()` if \
                     a second call is expected"
                )
            } else {
                format!(
                    "`{name}` returns Err if it already ran or is running on another thread: \
                     handle it with `?`, or `.ok()` if a second call is expected"
                )
            },
        };
    };
    // Spanned at the return type: a `Result` that is not `core::result::Result` is
    // reported there.
    let span = output.span();
    let rt_at_output = common::private_at(span);
    let projection = |item: &str| {
        let item = syn::Ident::new(item, span);
        quote_spanned!(span=> <#output as #rt_at_output::Fallible>::#item)
    };
    // `io::Result<T>`, `fmt::Result`: the error type is known only to the compiler.
    let error = if let [_, error] = type_args.as_slice() {
        quote!(#error)
    } else {
        projection("Error")
    };
    let value = if let Some(value) = type_args.first() {
        quote!(#value)
    } else {
        projection("Value")
    };
    Wrapped {
        output: syn::parse_quote! {
            -> ::core::result::Result<#value, #rt::InitOnceError<#error>>
        },
        call: quote_spanned!(span=> #rt_at_output::call_fallible),
        errors_text: "`InitOnceError::Failed` with the body's error (a later call runs the body \
             again), or `InitOnceError::AlreadyInitialized` if a call has already succeeded",
        must_use_text: format!(
            "`{name}` returns Err if its body failed (a later call runs it again) or it already \
             ran: handle it with `?`, or match `InitOnceError::AlreadyInitialized` if a second \
             call is expected"
        ),
    }
}

/// The `state` const and the `reset` fn, beside the fn (with its `cfg`s and visibility),
/// reaching its guard by `id`.
pub(crate) fn siblings(
    args: &Args,
    attrs: &[syn::Attribute],
    vis: &syn::Visibility,
    name: &str,
    id: &TokenStream,
) -> TokenStream {
    let rt = crate::common::private();
    let cfgs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("cfg")).collect();
    let state = args.state.as_ref().map(|state| {
        let doc = format!(
            " Whether `{name}` has run (`{state}.is_done()`, `{state}.first_call()`), waiting \
             until it has without calling it (`{state}.wait()`), and, with the `testing` \
             feature of `singleton-runtime`, `{state}.reset()`."
        );
        quote! {
            #(#cfgs)*
            #[doc = #doc]
            #vis const #state: #rt::InitOnceState = #rt::init_once_state(#id, #name);
        }
    });
    let reset = args.reset.as_ref().map(|reset| {
        let doc = format!(
            " Makes the next call of `{name}` run its body again, on every thread. Needs the \
             `testing` feature of `singleton-runtime`."
        );
        let bound = common::testing_bound();
        quote! {
            #(#cfgs)*
            #[doc = #doc]
            #[allow(clippy::extra_unused_lifetimes)]
            #vis fn #reset()
            #bound
            {
                #rt::reset_init_once(#id, #name);
            }
        }
    });
    quote!(#state #reset)
}

/// Whether the docs already have an `# Errors` section (a fn returning its own `Result`):
/// a second heading would be added otherwise.
fn has_errors_section(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| match &attr.meta {
        syn::Meta::NameValue(doc) if doc.path.is_ident("doc") => matches!(
            common::peel_expr(&doc.value),
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. })
                if text.value().lines().any(|line| line.trim() == "# Errors")
        ),
        _ => false,
    })
}
