//! One module per subcommand: each opens or accepts sessions, drives them and decides the exit
//! status. Commands see settings, never clap types or the environment.

pub mod connect;
pub mod dispatch;
pub mod echo;
pub mod handshake_inspect;
pub mod heartbeat_probe;
pub mod input;
pub mod listen;
pub mod replay;
pub mod serve;
pub mod signals;
