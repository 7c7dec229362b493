//! Where lock guards of statics are alive inside one fn body, from syntax alone.
//!
//! A guard is alive
//! - from `let g = M.lock()...;` to the end of its block or a statement passing it to a
//!   fn (`drop(g);`); a `let` moving it (`let h = Holder { g };`) hands it on to `h`
//!   (in a branch: dead until the branch ends only);
//! - as a temporary, to the end of its statement; a `match`, `if let`, `while let`
//!   scrutinee or a `for` iterator keeps its temporaries alive through the arms/body
//!   (an `if let` scrutinee's until the end of the then-block in edition 2024, also
//!   through the `else` block before); an `if`/`while` condition and a match guard drop
//!   theirs before the body.
//!
//! Closures and async blocks start with no guard alive (they may run later or on
//! another thread); nested fns are walked on their own. Receivers are only names
//! spelled like statics (`SCREAMING_CASE`); which of them are lock statics is decided
//! later, with the whole crate's inventory.

use std::mem;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, Pat, Stmt};

use crate::inventory::looks_static;
use crate::model::{GuardVia, Pos};

/// How a lock is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `lock()` on a mutex.
    Lock,
    /// `read()` on an RwLock.
    Read,
    /// `write()` on an RwLock.
    Write,
    /// parking_lot's `upgradable_read()`.
    Upgradable,
}

/// One acquisition of a static's lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Acquire {
    pub(crate) name: String,
    pub(crate) mode: Mode,
    pub(crate) pos: Pos,
}

/// A second acquisition of the same static while a first guard is alive.
#[derive(Clone, Debug)]
pub(crate) struct Reacquire {
    pub(crate) function: String,
    pub(crate) first: Acquire,
    pub(crate) guard_lines: (usize, usize),
    pub(crate) second: Acquire,
    pub(crate) via: GuardVia,
}

/// Another static locked while `held` is alive.
#[derive(Clone, Debug)]
pub(crate) struct Nested {
    pub(crate) function: String,
    pub(crate) held: Acquire,
    pub(crate) acquired: Acquire,
}

/// What the walk of a file found.
#[derive(Debug, Default)]
pub(crate) struct GuardFacts {
    pub(crate) reacquires: Vec<Reacquire>,
    pub(crate) nested: Vec<Nested>,
}

/// Walks every fn body in `file`.
pub(crate) fn guard_facts(file: &syn::File, edition_2024: bool) -> GuardFacts {
    let mut finder = FnFinder {
        edition_2024,
        facts: GuardFacts::default(),
    };
    finder.visit_file(file);
    finder.facts
}

struct FnFinder {
    edition_2024: bool,
    facts: GuardFacts,
}

impl FnFinder {
    fn walk(&mut self, name: &syn::Ident, block: &Block) {
        let mut walker = Walker {
            function: name.to_string(),
            edition_2024: self.edition_2024,
            live: Vec::new(),
            scope: Scope {
                via: GuardVia::SameStatement,
                end: End::Line(0),
            },
            facts: mem::take(&mut self.facts),
            arm: false,
        };
        walker.walk_block(block, false);
        self.facts = walker.facts;
    }
}

impl<'ast> Visit<'ast> for FnFinder {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.walk(&f.sig.ident, &f.block);
        visit::visit_item_fn(self, f);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.walk(&f.sig.ident, &f.block);
        visit::visit_impl_item_fn(self, f);
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.walk(&f.sig.ident, block);
        }
        visit::visit_trait_item_fn(self, f);
    }
}

/// Where a guard's life ends, resolved to a line only when reported (a span's end
/// costs a walk over the node's tokens).
#[derive(Clone, Copy)]
enum End<'ast> {
    Line(usize),
    Expr(&'ast Expr),
    Local(&'ast syn::Local),
}

impl End<'_> {
    fn line(self) -> usize {
        match self {
            End::Line(line) => line,
            End::Expr(e) => e.span().end().line,
            End::Local(l) => l.span().end().line,
        }
    }
}

#[derive(Clone, Copy)]
struct Scope<'ast> {
    via: GuardVia,
    end: End<'ast>,
}

struct Live<'ast> {
    acquire: Acquire,
    via: GuardVia,
    end: End<'ast>,
    binding: Option<String>,
    /// `drop(binding)` ran in the block being walked (an inner block: the guard is
    /// alive again after it, on the path that did not take the branch).
    dropped: bool,
}

struct Walker<'ast> {
    function: String,
    edition_2024: bool,
    live: Vec<Live<'ast>>,
    /// How temporaries created now are kept alive.
    scope: Scope<'ast>,
    facts: GuardFacts,
    /// The block about to be walked is a `match` arm's: it may not run.
    arm: bool,
}

/// `M.lock()` / `M.read()` / `M.write()` with `M` spelled like a static.
fn acquisition(call: &syn::ExprMethodCall) -> Option<Acquire> {
    if !call.args.is_empty() {
        return None;
    }
    let mode = match call.method.to_string().as_str() {
        "lock" | "blocking_lock" => Mode::Lock,
        "read" | "blocking_read" => Mode::Read,
        "write" | "blocking_write" => Mode::Write,
        "upgradable_read" => Mode::Upgradable,
        _ => return None,
    };
    let Expr::Path(path) = &*call.receiver else {
        return None;
    };
    let last = path.path.segments.last()?;
    let name = last.ident.to_string();
    looks_static(&name).then(|| Acquire {
        name,
        mode,
        pos: Pos::of(last.ident.span()),
    })
}

/// The acquisition a `let` initialiser binds as a guard: `M.lock()` followed only by
/// `unwrap`/`expect`/`map_err`/`ok`/`?`/`.await` and the like.
fn guard_chain(expr: &Expr) -> Option<Acquire> {
    match expr {
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            // Unwrapping, or converting the poison error (the guard stays inside).
            if matches!(
                method.as_str(),
                "unwrap"
                    | "expect"
                    | "unwrap_or_else"
                    | "unwrap_or_default"
                    | "map_err"
                    | "ok"
                    | "context"
                    | "with_context"
            ) {
                guard_chain(&call.receiver)
            } else {
                acquisition(call)
            }
        }
        Expr::Try(t) => guard_chain(&t.expr),
        Expr::Await(a) => guard_chain(&a.base),
        Expr::Paren(p) => guard_chain(&p.expr),
        _ => None,
    }
}

fn bound_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(p) => Some(p.ident.to_string()),
        Pat::Type(t) => bound_name(&t.pat),
        Pat::TupleStruct(t) if t.elems.len() == 1 => t.elems.first().and_then(bound_name),
        _ => None,
    }
}

/// The names a statement-level call takes by value: `drop(g)`, `mem::drop(g)`,
/// `consume(g)`, `MutexGuard::unlock_fair(g)`. A guard passed so is gone when the
/// statement ends (the fn drops it, or returns it into a temporary).
fn consumed(expr: &Expr) -> Vec<String> {
    let Expr::Call(call) = expr else {
        return Vec::new();
    };
    call.args.iter().filter_map(bare_name).collect()
}

/// `g` as a whole expression.
fn bare_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(ToString::to_string),
        Expr::Paren(p) => bare_name(&p.expr),
        _ => None,
    }
}

/// Does `expr` (a `let` initialiser) move `name` into what it builds: `g` itself, or as
/// an argument, a struct field, a tuple or array element (`Holder { g }`,
/// `MutexGuard::map(g, f)`, `CV.wait(g)`)? Closures are not looked into.
fn moves(expr: &Expr, name: &str) -> bool {
    struct Moves<'n> {
        name: &'n str,
        found: bool,
    }
    impl Moves<'_> {
        fn check<'a>(&mut self, exprs: impl IntoIterator<Item = &'a Expr>) {
            self.found |= exprs
                .into_iter()
                .any(|e| bare_name(e).as_deref() == Some(self.name));
        }
    }
    impl<'ast> Visit<'ast> for Moves<'_> {
        fn visit_expr_call(&mut self, e: &'ast syn::ExprCall) {
            self.check(&e.args);
            visit::visit_expr_call(self, e);
        }
        fn visit_expr_method_call(&mut self, e: &'ast syn::ExprMethodCall) {
            self.check(&e.args);
            visit::visit_expr_method_call(self, e);
        }
        fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
            self.check(e.fields.iter().map(|f| &f.expr));
            visit::visit_expr_struct(self, e);
        }
        fn visit_expr_tuple(&mut self, e: &'ast syn::ExprTuple) {
            self.check(&e.elems);
            visit::visit_expr_tuple(self, e);
        }
        fn visit_expr_array(&mut self, e: &'ast syn::ExprArray) {
            self.check(&e.elems);
            visit::visit_expr_array(self, e);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_macro(&mut self, _: &'ast syn::Macro) {}
    }
    if bare_name(expr).as_deref() == Some(name) {
        return true;
    }
    let mut finder = Moves { name, found: false };
    finder.visit_expr(expr);
    finder.found
}

/// Where a guard bound to `binding` dies among the statements after its `let`: a
/// statement that passes it to a fn, a `let` that moves it, or the block's end.
fn guard_end<'ast>(rest: &'ast [Stmt], binding: &str, block_end: usize) -> End<'ast> {
    rest.iter()
        .find_map(|s| match s {
            Stmt::Expr(e, _) if consumed(e).iter().any(|n| n == binding) => Some(End::Expr(e)),
            Stmt::Local(l) if l.init.as_ref().is_some_and(|i| moves(&i.expr, binding)) => {
                Some(End::Local(l))
            }
            _ => None,
        })
        .unwrap_or(End::Line(block_end))
}

fn has_let(cond: &Expr) -> bool {
    match cond {
        Expr::Let(_) => true,
        Expr::Binary(b) => has_let(&b.left) || has_let(&b.right),
        Expr::Paren(p) => has_let(&p.expr),
        _ => false,
    }
}

fn close_line(block: &Block) -> usize {
    block.brace_token.span.close().end().line
}

impl<'ast> Walker<'ast> {
    fn with_scope(&mut self, scope: Scope<'ast>, expr: &'ast Expr) {
        let saved = mem::replace(&mut self.scope, scope);
        self.visit_expr(expr);
        self.scope = saved;
    }

    /// Walks `expr` as a temporary scope of its own: its temporaries die at its end.
    fn temporary_scope(&mut self, expr: &'ast Expr) {
        let mark = self.live.len();
        self.with_scope(
            Scope {
                via: GuardVia::SameStatement,
                end: End::Expr(expr),
            },
            expr,
        );
        self.live.truncate(mark);
    }

    /// Walks a block. In a `conditional` one (a branch, a loop body that may not run), a
    /// guard of an outer block that is dropped or moved away is dead until the block
    /// ends only: on the path that skips the block it is still alive.
    fn walk_block(&mut self, block: &'ast Block, conditional: bool) {
        let mark = self.live.len();
        // Guards of outer blocks dropped in this one: alive again after it.
        let mut dropped_outer = Vec::new();
        let block_end = close_line(block);
        for (i, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                Stmt::Local(local) => {
                    let Some(init) = &local.init else { continue };
                    let m = self.live.len();
                    let scope = Scope {
                        via: GuardVia::SameStatement,
                        end: End::Local(local),
                    };
                    self.with_scope(scope, &init.expr);
                    if let Some((_, diverge)) = &init.diverge {
                        self.with_scope(scope, diverge);
                    }
                    self.live.truncate(m);
                    let rest = &block.stmts[i + 1..];
                    // Guards moved into what this `let` binds live as long as it.
                    let moved: Vec<usize> = (0..self.live.len())
                        .filter(|&j| {
                            let l = &self.live[j];
                            !l.dropped && l.binding.as_ref().is_some_and(|b| moves(&init.expr, b))
                        })
                        .collect();
                    for j in moved {
                        let new_binding = match &local.pat {
                            Pat::Wild(_) => None,
                            pat => match bound_name(pat) {
                                Some(name) => Some(name),
                                // Destructured: left alive under its old name.
                                None => continue,
                            },
                        };
                        self.live[j].dropped = true;
                        if j < mark && conditional {
                            dropped_outer.push(j);
                        }
                        if let Some(binding) = new_binding {
                            let acquire = self.live[j].acquire.clone();
                            self.live.push(Live {
                                acquire,
                                via: GuardVia::Let,
                                end: guard_end(rest, &binding, block_end),
                                binding: Some(binding),
                                dropped: false,
                            });
                        }
                    }
                    if let (Some(acquire), Some(binding)) =
                        (guard_chain(&init.expr), bound_name(&local.pat))
                    {
                        let end = guard_end(rest, &binding, block_end);
                        self.live.push(Live {
                            acquire,
                            via: GuardVia::Let,
                            end,
                            binding: Some(binding),
                            dropped: false,
                        });
                    }
                }
                Stmt::Expr(expr, _) => {
                    self.temporary_scope(expr);
                    for name in consumed(expr) {
                        // The innermost binding of that name (an outer one is shadowed).
                        let hit = self
                            .live
                            .iter()
                            .rposition(|l| !l.dropped && l.binding.as_ref() == Some(&name));
                        if let Some(i) = hit {
                            self.live[i].dropped = true;
                            if i < mark && conditional {
                                dropped_outer.push(i);
                            }
                        }
                    }
                }
                Stmt::Item(_) | Stmt::Macro(_) => {}
            }
        }
        self.live.truncate(mark);
        for i in dropped_outer {
            if let Some(live) = self.live.get_mut(i) {
                live.dropped = false;
            }
        }
    }

    fn acquire(&mut self, acquire: Acquire) {
        for live in self.live.iter().filter(|l| !l.dropped) {
            if live.acquire.name == acquire.name {
                let start = live.acquire.pos.line;
                self.facts.reacquires.push(Reacquire {
                    function: self.function.clone(),
                    first: live.acquire.clone(),
                    guard_lines: (start, live.end.line().max(start)),
                    second: acquire.clone(),
                    via: live.via,
                });
            } else {
                self.facts.nested.push(Nested {
                    function: self.function.clone(),
                    held: live.acquire.clone(),
                    acquired: acquire.clone(),
                });
            }
        }
        self.live.push(Live {
            acquire,
            via: self.scope.via,
            end: self.scope.end,
            binding: None,
            dropped: false,
        });
    }

    /// A closure or async block: may run later or elsewhere, so no guard is inherited.
    fn detached(&mut self, body: impl FnOnce(&mut Self)) {
        let outer = mem::take(&mut self.live);
        body(self);
        self.live = outer;
    }
}

impl<'ast> Visit<'ast> for Walker<'ast> {
    fn visit_block(&mut self, block: &'ast Block) {
        // A plain, `unsafe` or `loop` block runs (at least once); a match arm may not.
        let conditional = mem::take(&mut self.arm);
        self.walk_block(block, conditional);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_macro(&mut self, _: &'ast syn::Macro) {}

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.detached(|w| w.temporary_scope(&closure.body));
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        self.detached(|w| w.walk_block(&block.block, false));
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        visit::visit_expr_method_call(self, call);
        if let Some(acquire) = acquisition(call) {
            self.acquire(acquire);
        }
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        let scope = Scope {
            via: GuardVia::MatchScrutinee,
            end: self.scope.end,
        };
        self.with_scope(scope, &m.expr);
        for arm in &m.arms {
            if let Some((_, guard)) = &arm.guard {
                self.temporary_scope(guard);
            }
            self.arm = matches!(&*arm.body, Expr::Block(b) if b.label.is_none());
            self.temporary_scope(&arm.body);
            self.arm = false;
        }
    }

    fn visit_expr_if(&mut self, e: &'ast syn::ExprIf) {
        if !has_let(&e.cond) {
            self.temporary_scope(&e.cond);
            self.walk_block(&e.then_branch, true);
            if let Some((_, other)) = &e.else_branch {
                self.visit_expr(other);
            }
            return;
        }
        let mark = self.live.len();
        let end = if self.edition_2024 {
            End::Line(close_line(&e.then_branch))
        } else {
            self.scope.end
        };
        let scope = Scope {
            via: GuardVia::IfLetScrutinee,
            end,
        };
        self.with_scope(scope, &e.cond);
        self.walk_block(&e.then_branch, true);
        if self.edition_2024 {
            // Rust 2024 drops the scrutinee's temporaries before `else`.
            self.live.truncate(mark);
        }
        if let Some((_, other)) = &e.else_branch {
            self.visit_expr(other);
        }
    }

    fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
        let mark = self.live.len();
        if has_let(&e.cond) {
            let scope = Scope {
                via: GuardVia::WhileLetScrutinee,
                end: End::Line(close_line(&e.body)),
            };
            self.with_scope(scope, &e.cond);
        } else {
            self.temporary_scope(&e.cond);
        }
        self.walk_block(&e.body, true);
        self.live.truncate(mark);
    }

    fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
        let scope = Scope {
            via: GuardVia::ForIterator,
            end: self.scope.end,
        };
        self.with_scope(scope, &e.expr);
        self.walk_block(&e.body, true);
    }

    fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
        if matches!(e.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
            // Each operand of `&&` / `||` is a temporary scope of its own.
            self.temporary_scope(&e.left);
            self.temporary_scope(&e.right);
        } else {
            visit::visit_expr_binary(self, e);
        }
    }

    fn visit_expr_assign(&mut self, e: &'ast syn::ExprAssign) {
        // The right side is evaluated first.
        self.visit_expr(&e.right);
        self.visit_expr(&e.left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(src: &str, edition_2024: bool) -> GuardFacts {
        guard_facts(&syn::parse_file(src).unwrap(), edition_2024)
    }

    fn reacquired(src: &str) -> Vec<(usize, usize, usize, &'static str)> {
        facts(src, true)
            .reacquires
            .iter()
            .map(|r| {
                (
                    r.first.pos.line,
                    r.guard_lines.1,
                    r.second.pos.line,
                    r.via.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn let_guard_alive_until_block_end_or_drop() {
        let src = "fn f() {
            let g = M.lock().unwrap();
            M.lock();
            drop(g);
            M.lock();
            {
                let h = N.lock().unwrap();
            }
            N.lock();
        }";
        assert_eq!(reacquired(src), [(2, 4, 3, "let-guard")]);
    }

    #[test]
    fn a_drop_in_a_branch_ends_the_guard_in_that_branch_only() {
        let src = "fn f(c: bool) {
            let g = A.lock().unwrap();
            match B.lock().unwrap().first() {
                Some(_) => { drop(g); }
                None => {}
            }
            B.lock().unwrap();
        }
        fn h(c: bool) {
            let g = A.lock().unwrap();
            if g.is_empty() {
                drop(g);
                A.lock().unwrap();
                return;
            }
            A.lock().unwrap();
        }";
        // In `f` the match's temporary guard of `B` is gone after its statement; in `h`
        // the guard is alive after the `if` when the branch was not taken.
        assert_eq!(reacquired(src), [(10, 17, 16, "let-guard")]);
    }

    #[test]
    fn a_guard_moved_away_is_followed_to_where_it_dies() {
        let src = "fn f() {
            let g = A.lock().unwrap();
            consume(g);
            A.lock().unwrap();
            let g = A.lock().unwrap();
            MutexGuard::unlock_fair(g);
            A.lock().unwrap();
            let g = A.lock().unwrap();
            let holder = Holder { guard: g, n: 1 };
            A.lock().unwrap();
            drop(holder);
            A.lock().unwrap();
            let g = A.lock().unwrap();
            let _ = finish(g);
            A.lock().unwrap();
            let g = A.lock().unwrap();
            {
                let mapped = MutexGuard::map(g, |v| v);
                A.lock().unwrap();
            }
            A.lock().unwrap();
            let g = A.lock().unwrap();
            let n = g.len() + count(&g);
            A.lock().unwrap();
        }";
        // Moved into a fn (or dropped with the statement's result): dead. Moved into a
        // struct or another guard: alive as long as that binding.
        assert_eq!(
            reacquired(src),
            [
                (8, 11, 10, "let-guard"),
                (16, 20, 19, "let-guard"),
                (22, 25, 24, "let-guard"),
            ]
        );
    }

    #[test]
    fn guards_bound_through_error_conversions() {
        let src = "fn f() -> Result<(), E> {
            let g = M.lock().map_err(|e| E::from(e))?;
            M.lock();
            let h = N.lock().ok()?;
            N.lock();
            let k = P.lock().context(\"poisoned\")?;
            P.lock();
            let n = Q.lock().map_err(E::from)?.len();
            Q.lock();
        }";
        assert_eq!(
            reacquired(src),
            [
                (2, 10, 3, "let-guard"),
                (4, 10, 5, "let-guard"),
                (6, 10, 7, "let-guard"),
            ]
        );
    }

    #[test]
    fn temporaries_die_at_statement_end_and_conditions() {
        let src = "fn f() {
            M.lock().unwrap().insert(1);
            M.lock().unwrap().insert(2);
            if M.lock().unwrap().is_empty() { M.lock(); }
            while M.lock().unwrap().is_empty() { M.lock(); }
            let n = M.lock().unwrap().len();
            let _ = M.lock();
            M.lock();
            let c = || M.lock();
            let both = M.lock().unwrap().is_empty() && M.lock().unwrap().is_empty();
        }";
        assert_eq!(reacquired(src), Vec::new());
    }

    #[test]
    fn scrutinee_temporaries_live_through_arms_and_then_block() {
        let src = "fn f() {
            match M.lock().unwrap().get(&1) {
                Some(_) => {}
                None => { M.lock().unwrap().insert(1, 2); }
            }
            if let Some(x) = M.lock().unwrap().get(&1) {
                M.lock();
            } else {
                M.lock();
            }
            for k in M.lock().unwrap().keys() { M.lock(); }
        }";
        assert_eq!(
            reacquired(src),
            [
                (2, 5, 4, "match-scrutinee"),
                (6, 8, 7, "if-let-scrutinee"),
                (11, 11, 11, "for-iterator"),
            ]
        );
    }

    #[test]
    fn while_let_same_statement_await_and_let_else_guards() {
        let src = "async fn f() {
            while let Some(job) = QUEUE.lock().unwrap().pop_front() {
                QUEUE.lock().unwrap().push_back(job);
            }
            let n = TOTAL.lock().unwrap().len() + TOTAL.lock().unwrap().len();
            let g = STATE.lock().await;
            STATE.lock().await;
            let Ok(h) = OTHER.lock() else { return };
            OTHER.lock();
            match KEY {
                k if CACHE.lock().unwrap().contains(k) => { CACHE.lock(); }
                _ => {}
            }
        }";
        assert_eq!(
            reacquired(src),
            [
                (2, 4, 3, "while-let-scrutinee"),
                (5, 5, 5, "same-statement"),
                (6, 14, 7, "let-guard"),
                (8, 14, 9, "let-guard"),
            ]
        );
    }

    #[test]
    fn before_2024_if_let_temporaries_reach_the_else_block() {
        let src = "fn f() {
            if let Some(x) = M.lock().unwrap().get(&1) {
            } else {
                M.lock();
            }
        }";
        let old = facts(src, false);
        assert_eq!(old.reacquires.len(), 1);
        assert_eq!(old.reacquires[0].guard_lines, (2, 5));
        assert!(facts(src, true).reacquires.is_empty());
    }

    #[test]
    fn nested_locks_of_other_statics_are_recorded_with_modes() {
        let src = "impl S { fn f(&self) {
            let a = A.read().unwrap();
            let b = B.write().unwrap();
            a.len();
        } }";
        let f = facts(src, true);
        assert_eq!(f.nested.len(), 1);
        let n = &f.nested[0];
        assert_eq!((n.held.name.as_str(), n.held.mode), ("A", Mode::Read));
        assert_eq!(
            (n.acquired.name.as_str(), n.acquired.mode),
            ("B", Mode::Write)
        );
        assert_eq!(
            n.acquired.pos,
            Pos {
                line: 3,
                column: 21
            }
        );
        assert_eq!(n.function, "f");
    }
}
