//! Calls an `init = path` function with a message, not E0593, when it takes
//! parameters: a bound `F: FnOnce() -> R` on a fn that takes one makes rustc report the
//! arity mismatch ("expected function that takes 0 arguments") before any trait of
//! ours is asked. So the arity is found by a trait implemented for every arity
//! ([`InitArity`], whose parameter is the tuple of the fn's parameter types), and only
//! the empty tuple implements [`NoParameters`], which carries the message.
//!
//! Only for paths: a closure's return type is inferred from an `FnOnce() -> R` bound,
//! which `InitArity` does not give it (closures keep `call_init`).

/// The parameter types `P` of an `init` function, as a tuple: implemented up to 12
/// parameters (as std's tuple impls); beyond, its own message says the same as
/// [`NoParameters`]'s.
#[diagnostic::on_unimplemented(
    message = "`init` must be a safe function that takes no parameters",
    label = "expected a `fn() -> T`",
    note = "`init` names the function that builds the value, called once, on first use (for a \
            value at hand, `init = || value`; for an `unsafe fn`, a closure whose `unsafe` block \
            says why the call is sound); it takes no parameters, since arguments would be \
            silently ignored on every later call: read the inputs inside it (a config file, the \
            environment), or set them once with `#[init_once]`"
)]
pub trait InitArity<P> {
    /// What it returns.
    type Output;
}

macro_rules! arities {
    ($(($($p:ident),*)),*) => {$(
        impl<F: FnOnce($($p),*) -> R, $($p,)* R> InitArity<($($p,)*)> for F {
            type Output = R;
        }
    )*};
}

arities!(
    (),
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, G),
    (A, B, C, D, E, G, H),
    (A, B, C, D, E, G, H, I),
    (A, B, C, D, E, G, H, I, J),
    (A, B, C, D, E, G, H, I, J, K),
    (A, B, C, D, E, G, H, I, J, K, L),
    (A, B, C, D, E, G, H, I, J, K, L, M)
);

/// Implemented for `()` only: an `init` function takes no parameters.
#[diagnostic::on_unimplemented(
    message = "`init` must take no parameters, but this one takes `{Self}`",
    label = "expected a `fn() -> {R}`",
    note = "`init` runs once, on first use, so arguments given to it would be silently ignored \
            on every later call (the first caller's arguments win); read the inputs inside \
            `init` (a config file, the environment), or set them once with `#[init_once]`"
)]
pub trait NoParameters<F, R> {
    /// Calls `init`.
    fn call(init: F) -> R;
}

#[diagnostic::do_not_recommend]
impl<F: FnOnce() -> R, R> NoParameters<F, R> for () {
    #[inline]
    fn call(init: F) -> R {
        init()
    }
}

/// Calls an `init = path` function (see the module docs).
#[inline]
pub fn call_init_fn<P, F>(init: F) -> F::Output
where
    F: InitArity<P>,
    P: NoParameters<F, F::Output>,
{
    P::call(init)
}
