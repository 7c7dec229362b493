use singleton_runtime::guarded_global;

#[guarded_global]
static NAMES: Vec<String> = Vec::new();

fn main() {
    let mut first: Option<&String> = None;
    NAMES.read(|names| first = names.first());
    println!("{first:?}");
}
