//! A loader declared inside a fn body (as in a doctest or a test): its module and cache
//! are reached from the block, where `super::` would name the enclosing module instead.

use std::path::Path;

use singleton_runtime::invalidating_cache;

struct Words(usize);

fn main() {
    #[invalidating_cache(path = "/definitely/missing/words.txt")]
    fn words(path: &Path) -> Result<Words, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        Ok(Words(text.split_whitespace().count()))
    }

    assert!(words().is_err());
    assert!(words::last_error().is_some());
    assert_eq!(words::generation(), 0);
    assert!(words::cache().peek().is_none());
}
