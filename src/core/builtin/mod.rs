//! The embedded echo server (`builtin:echo`) and the echo behaviour `wsdiag echo` shares.

pub mod companion;
pub mod echo;
pub mod echo_server;
pub mod faults;
pub mod target;
