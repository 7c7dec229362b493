//! Checks that `#[init_once]` is on a plain fn it can wrap.

use proc_macro2::TokenStream;

use super::args::Args;
use crate::common::{self, Errors};

/// A fn `#[init_once]` can wrap.
pub(crate) struct Form {
    pub(crate) item: syn::ItemFn,
    /// The declared return type (`()` when none was written).
    pub(crate) output: syn::Type,
    /// For a return type that is a path ending in `Result`, its type arguments (`T, E`
    /// of `Result<T, E>`, `T` of `io::Result<T>`): the body is fallible.
    pub(crate) fallible: Option<Vec<syn::Type>>,
}

pub(crate) fn validate(item: TokenStream) -> syn::Result<Form> {
    let item: syn::ItemFn = match syn::parse2::<syn::Item>(item) {
        Ok(syn::Item::Fn(f)) => f,
        Ok(other) => {
            return Err(syn::Error::new_spanned(
                common::item_keyword(&other),
                "`#[init_once]` goes on a fn, whose body then runs once per process; for a \
                 value created once use `#[singleton]`, for a mutable global `#[guarded_global]`",
            ));
        }
        Err(e) => {
            return Err(syn::Error::new(
                e.span(),
                format!("{e}; `#[init_once]` goes on a fn"),
            ));
        }
    };
    let mut errors = Errors::default();
    let sig = &item.sig;
    if let Some(token) = &sig.asyncness {
        errors.spanned(
            token,
            "`#[init_once]` does not support `async fn` yet: make the fn sync and call it \
             before spawning async work",
        );
    }
    if let Some(token) = &sig.constness {
        errors.spanned(
            token,
            "an `#[init_once]` fn cannot be `const`: it records calls at run time",
        );
    }
    if let Some(abi) = sig
        .abi
        .as_ref()
        .filter(|abi| abi.name.as_ref().is_none_or(|n| n.value() != "Rust"))
    {
        errors.spanned(
            abi,
            "an `#[init_once]` fn must use the Rust ABI: it records its caller's location with \
             `#[track_caller]`; wrap it in an `extern` fn if you need one",
        );
    }
    if let Some(receiver) = sig.receiver() {
        errors.spanned(
            receiver,
            "an `#[init_once]` fn cannot take `self`: it runs once per process, not once per \
             value, so a second value's call would fail; make it an associated fn, or keep a \
             `std::sync::OnceLock` in the value",
        );
    }
    let output = match &sig.output {
        syn::ReturnType::Default => syn::parse_quote!(()),
        syn::ReturnType::Type(_, ty) => (**ty).clone(),
    };
    if let syn::Type::Never(never) = common::peel_type(&output) {
        errors.spanned(
            never,
            "an `#[init_once]` fn cannot return `!`: a body that never returns never finishes \
             its one run, so it is never recorded as done (after a panic it would run again); \
             return `()` and diverge after the call (`setup()?; std::process::exit(0)`), or \
             drop `#[init_once]`: a fn that ends the process runs once anyway",
        );
    }
    errors.finish()?;
    let fallible = common::result_args(&output).map(|args| args.into_iter().cloned().collect());
    Ok(Form {
        item,
        output,
        fallible,
    })
}

/// The names the arguments give the generated items: each must differ from the fn's
/// and from the other's (a `const` and a fn share one namespace).
pub(crate) fn check_names(args: &Args, fn_name: &syn::Ident) -> syn::Result<()> {
    let mut errors = Errors::default();
    for (key, name) in [("state", &args.state), ("reset", &args.reset)] {
        if let Some(name) = name
            && name == fn_name
        {
            errors.spanned(
                name,
                format!(
                    "`{key} = {name}` would generate a second item named `{name}` beside the \
                     fn: pick another name, e.g. `{}`",
                    if key == "state" {
                        format!("{}_STATE", common::name_of(name).to_uppercase())
                    } else {
                        format!("reset_{}", common::name_of(name))
                    }
                ),
            );
        }
    }
    if let (Some(state), Some(reset)) = (&args.state, &args.reset)
        && state == reset
    {
        errors.spanned(
            reset,
            format!(
                "`state` and `reset` both name `{reset}`, but a const and a fn cannot share a \
                 name; with `state`, `reset` is not needed: `{state}.reset()` resets"
            ),
        );
    }
    errors.finish()
}
