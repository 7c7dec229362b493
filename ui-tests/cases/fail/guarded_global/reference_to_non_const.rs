use singleton_runtime::guarded_global;

// `&temporary` is evaluated in a `const`, as a plain `static` would: a non-const
// initialiser is reported at the call, as for a plain `static`.
#[guarded_global]
static GREETING: &'static String = &String::from("hello");

fn main() {}
