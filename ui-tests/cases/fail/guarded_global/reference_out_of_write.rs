use singleton_runtime::guarded_global;

#[guarded_global]
static QUEUE: Vec<String> = Vec::new();

fn main() {
    let last = QUEUE.write(|q| {
        q.push("job".to_owned());
        q.last_mut()
    });
    println!("{last:?}");
}
