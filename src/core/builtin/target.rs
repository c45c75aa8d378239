//! What a client run is asked to connect to: a URL, or the built-in echo server with its
//! faults.

use crate::core::builtin::faults::EchoFaults;
use crate::core::net::target::Target;

/// What the user asked to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetChoice {
    Url(Target),
    /// The in-process echo server, with the faults its query asks for.
    BuiltinEcho(EchoFaults),
}
