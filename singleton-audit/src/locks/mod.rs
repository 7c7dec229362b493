//! Syntactic deadlock patterns: the same static locked twice while its first guard is
//! alive ([`guards`]), and statics locked in conflicting orders in one crate ([`order`]).

pub(crate) mod guards;
pub(crate) mod order;
