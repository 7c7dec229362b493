//! The async forms: `async fn` returning `T`, `Result<T, E>` and `io::Result<T>`,
//! initialisers that await other async singletons, `name::get()`, the struct form with
//! `init = async path` (plain and with `error = E`) and with an async closure; every
//! returned future is `Send`.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use singleton_runtime::singleton;

#[singleton]
async fn base_url() -> String {
    "https://example.invalid".to_owned()
}

#[derive(Debug)]
struct ConnectError;

#[singleton]
async fn endpoint() -> Result<String, ConnectError> {
    let base = base_url().await;
    Ok(format!("{base}/v1"))
}

#[singleton]
pub(crate) async fn banner() -> std::io::Result<String> {
    Ok(String::from("welcome"))
}

#[singleton(init = async Pool::connect)]
struct Pool {
    size: usize,
}

impl Pool {
    async fn connect() -> Self {
        Pool { size: base_url().await.len() }
    }
}

#[singleton(init = async Session::open, error = ConnectError)]
struct Session {
    id: u32,
}

impl Session {
    async fn open() -> Result<Self, ConnectError> {
        Ok(Session { id: 7 })
    }
}

#[singleton(init = async || Cache { entries: 3 })]
struct Cache {
    entries: usize,
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

/// These initialisers never wait, so polling with a no-op waker completes them.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => unreachable!(),
    }
}

fn main() {
    assert_eq!(base_url::get(), None);
    assert_eq!(ready(assert_send(endpoint())).unwrap(), "https://example.invalid/v1");
    assert_eq!(base_url::get().map(String::as_str), Some("https://example.invalid"));
    assert_eq!(ready(banner()).unwrap(), "welcome");
    assert_eq!(ready(assert_send(Pool::instance())).size, 23);
    assert_eq!(ready(Session::instance()).unwrap().id, 7);
    assert_eq!(ready(Cache::instance()).entries, 3);
    assert!(Cache::instance_if_ready().is_some());
}
