//! Where the verifiers take the time from: always a clock the caller supplies (kavach's rule
//! "time is an input"), never the process's own idea of the time inside a verifier.

use std::sync::Arc;
use std::time::SystemTime;

/// The time every certificate check of a verifier is made at.
///
/// rustls hands its verifiers a `now` of its own; kavach's verifiers ignore it and ask this
/// clock instead, so that a device client's server-trusted clock (or a test's fixed time)
/// reaches the TLS checks too. Any `Fn() -> SystemTime + Send + Sync` is a clock.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

impl<F> Clock for F
where
    F: Fn() -> SystemTime + Send + Sync,
{
    fn now(&self) -> SystemTime {
        self()
    }
}

/// The operating system's clock. For the application edge only (a `main`, a server binary):
/// libraries take an `Arc<dyn Clock>` from their caller.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock shared by the verifiers of one configuration.
pub type SharedClock = Arc<dyn Clock>;
