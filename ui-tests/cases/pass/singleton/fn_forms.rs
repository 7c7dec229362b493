//! The fn form: plain values, `Result`, `io::Result`, enums, and fns in nested modules.

use singleton_runtime::singleton;

#[derive(Debug)]
struct ConfigError;

#[singleton]
fn parsed() -> Result<Vec<u32>, ConfigError> {
    let values = "1,2,3".split(',').map(str::parse).collect::<Result<Vec<u32>, _>>();
    values.map_err(|_| ConfigError)
}

#[singleton]
fn banner() -> std::io::Result<String> {
    Ok(String::from("welcome"))
}

#[singleton]
#[derive(Default, Debug, PartialEq)]
enum Mode {
    #[default]
    Production,
}

mod a {
    pub mod b {
        use singleton_runtime::singleton;

        #[singleton]
        pub fn deep() -> u8 {
            7
        }
    }
}

fn main() {
    let values: Result<&'static Vec<u32>, ConfigError> = parsed();
    assert_eq!(values.unwrap(), &[1, 2, 3]);
    assert_eq!(banner().unwrap(), "welcome");
    assert_eq!(*Mode::instance(), Mode::Production);
    assert_eq!(*a::b::deep(), 7);
}
