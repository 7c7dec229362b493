//! The test tools every global gets (`override_with`, `override_guard`, `reset`),
//! callable only with the runtime's `testing` feature.

use proc_macro2::TokenStream;
use quote::quote;

/// The where clause of every generated test tool: it holds only with the runtime's
/// `testing` feature, so a call without it fails with a message naming the feature. A
/// `cfg` in generated code would test the user's crate's features, not the runtime's;
/// `for<'a>` keeps the bound from being checked where it is written, where it does not
/// depend on anything.
pub(crate) fn testing_bound() -> TokenStream {
    let rt = super::private();
    quote!(where for<'a> #rt::Feature: #rt::FeatureEnabled)
}

/// `override_with`, `override_guard` and `reset` (the runtime's `testing` feature) over
/// `receiver`, a global whose value type is `value`, with visibility `vis`; `what` names
/// the global in the docs. Generated unconditionally: [`testing_bound`] decides whether
/// they can be called. `link` is a further predicate of their where clauses (see
/// [`super::linked`]).
pub(crate) fn testing_api(
    vis: &TokenStream,
    value: &TokenStream,
    receiver: &TokenStream,
    what: &str,
    reset_doc: &str,
    link: Option<&TokenStream>,
) -> TokenStream {
    testing_api_named(
        vis,
        value,
        receiver,
        what,
        reset_doc,
        TestingNames::IN_A_MODULE,
        link,
    )
}

/// The names of the generated test tools, and which guard `override_guard` returns.
#[derive(Clone, Copy)]
pub(crate) struct TestingNames {
    pub(crate) override_with: &'static str,
    pub(crate) override_guard: &'static str,
    pub(crate) reset: &'static str,
    /// A thread-scoped singleton's override lives in its per-thread slot and is undone
    /// by a `ThreadOverrideGuard<T>`; every other global's by an `OverrideGuard`.
    pub(crate) per_thread: bool,
}

impl TestingNames {
    /// In a module of their own (`config::reset()`): the plain names.
    pub(crate) const IN_A_MODULE: Self = Self {
        override_with: "override_with",
        override_guard: "override_guard",
        reset: "reset",
        per_thread: false,
    };
    /// Beside `instance()` among the type's own associated items, where a user's
    /// `reset(&self)` or `override_with` must not clash (E0592): named after `instance`.
    pub(crate) const BESIDE_INSTANCE: Self = Self {
        override_with: "override_instance",
        override_guard: "override_instance_guard",
        reset: "reset_instance",
        per_thread: false,
    };

    /// The same names, for a thread-scoped singleton.
    pub(crate) const fn per_thread(self) -> Self {
        Self {
            per_thread: true,
            ..self
        }
    }
}

/// [`testing_api`] under other names.
pub(crate) fn testing_api_named(
    vis: &TokenStream,
    value: &TokenStream,
    receiver: &TokenStream,
    what: &str,
    reset_doc: &str,
    names: TestingNames,
    link: Option<&TokenStream>,
) -> TokenStream {
    tools(vis, value, Some(receiver), what, reset_doc, names, link)
}

/// The same test tools as stubs (bodies `unreachable!()`), beside a macro's error: so
/// that a test calling them gets no error of its own (see `AttributeMacro::fallback`).
pub(crate) fn testing_stubs(
    vis: &TokenStream,
    value: &TokenStream,
    names: TestingNames,
) -> TokenStream {
    tools(
        vis,
        value,
        None,
        "the value",
        " Resets the value.",
        names,
        None,
    )
}

/// The test tools, over `receiver`, or stubs if there is none.
fn tools(
    vis: &TokenStream,
    value: &TokenStream,
    receiver: Option<&TokenStream>,
    what: &str,
    reset_doc: &str,
    names: TestingNames,
    link: Option<&TokenStream>,
) -> TokenStream {
    let span = proc_macro2::Span::call_site();
    let with_name = syn::Ident::new(names.override_with, span);
    let guard_name = syn::Ident::new(names.override_guard, span);
    let reset_name = syn::Ident::new(names.reset, span);
    let bound = testing_bound();
    let bound = match link {
        Some(link) => quote!(#bound, #link),
        None => bound,
    };
    let rt = super::private();
    let guard = if names.per_thread {
        quote!(#rt::ThreadOverrideGuard<#value>)
    } else {
        quote!(#rt::OverrideGuard)
    };
    let with_doc = format!(
        " Runs `f` with `value` in place of {what}, on this thread only: a test's own \
         value. Nested overrides restore in reverse order, also on panic. Needs the \
         `testing` feature of `singleton-runtime` (see `singleton_runtime::testing`)."
    );
    let guard_doc = format!(
        " Puts `value` in place of {what}, on this thread only, until the guard is \
         dropped. Needs the `testing` feature of `singleton-runtime`."
    );
    let unreachable = quote!(::core::unreachable!());
    let (with_body, guard_body, reset_body, stub) = match receiver {
        Some(receiver) => (
            quote!(#receiver.override_with(value, f)),
            quote!(#receiver.override_guard(value)),
            quote!(#receiver.reset();),
            None,
        ),
        None => (
            unreachable.clone(),
            unreachable.clone(),
            unreachable,
            Some(quote!(#[allow(unused_variables)])),
        ),
    };
    quote! {
        #[doc = #with_doc]
        #[allow(clippy::extra_unused_lifetimes, dead_code)]
        #stub
        #vis fn #with_name<__R>(value: #value, f: impl ::core::ops::FnOnce() -> __R) -> __R
        #bound
        {
            #with_body
        }

        #[doc = #guard_doc]
        #[allow(clippy::extra_unused_lifetimes, dead_code)]
        #stub
        #vis fn #guard_name(value: #value) -> #guard
        #bound
        {
            #guard_body
        }

        #[doc = #reset_doc]
        #[allow(clippy::extra_unused_lifetimes, dead_code)]
        #vis fn #reset_name()
        #bound
        {
            #reset_body
        }
    }
}
