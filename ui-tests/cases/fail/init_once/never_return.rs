use singleton_runtime::init_once;

#[init_once]
fn serve_forever() -> ! {
    loop {
        std::thread::park();
    }
}

fn main() {}
