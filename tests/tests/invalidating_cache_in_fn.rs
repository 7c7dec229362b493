//! `#[invalidating_cache]` on a loader declared in a fn body, whose value and error
//! types are declared in that same body: the generated module names them through a
//! trait implemented beside the loader, where the body's items are in scope. Against a
//! real file in a temp dir.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use singleton_runtime::invalidating_cache;

/// `<temp dir>/<name>/config.txt`.
fn file(name: &str) -> PathBuf {
    support::temp_root().join(name).join("config.txt")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_loader_in_a_fn_body_caches_types_declared_there() {
    #[derive(Debug, PartialEq, Eq)]
    struct Config {
        greeting: String,
    }

    #[derive(Debug)]
    struct ConfigError(String);

    #[invalidating_cache(path = file("in_fn"), check_interval = Duration::ZERO)]
    fn config(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError(e.to_string()))?;
        let greeting = text
            .strip_prefix("greeting=")
            .ok_or_else(|| ConfigError(format!("no greeting in {text:?}")))?;
        Ok(Config {
            greeting: greeting.trim().to_owned(),
        })
    }

    let path = file("in_fn");
    write(&path, "greeting=hello\n");
    assert_eq!(
        *config().unwrap(),
        Config {
            greeting: "hello".into()
        }
    );
    assert_eq!(config::generation(), 1);

    // The module's fns, whose signatures name `Config` and `ConfigError`.
    write(&path, "greeting=goodbye\n");
    config::invalidate();
    assert_eq!(config::with(|c| c.greeting.clone()).unwrap(), "goodbye");
    assert_eq!(config::generation(), 2);

    write(&path, "nonsense\n");
    let error = config::reload().unwrap_err();
    assert_eq!(error.0, "no greeting in \"nonsense\\n\"");
    assert_eq!(config::last_error().unwrap().0, error.0);
    // The last good value stays.
    assert_eq!(config().unwrap().greeting, "goodbye");
    assert_eq!(config::cache().generation(), 2);
}

#[test]
fn the_test_tools_of_a_loader_in_a_fn_body_take_its_local_type() {
    #[derive(Debug)]
    struct Port(u16);

    #[invalidating_cache(path = file("in_fn_tools"))]
    fn port(path: &Path) -> Result<Port, std::io::Error> {
        let text = std::fs::read_to_string(path)?;
        text.trim()
            .parse()
            .map(Port)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    write(&file("in_fn_tools"), "8080");
    let overridden = port::override_with(Port(1), || port().unwrap().0);
    assert_eq!(overridden, 1);
    assert_eq!(port().unwrap().0, 8080);
}
