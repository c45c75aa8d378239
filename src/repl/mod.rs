//! The interactive side of `connect` and `listen`: a pure command parser (`parse`) shared by
//! the terminal REPL and `--commands` on a pipe, and the terminal itself (`terminal`): line
//! editing, history, and output printed above the prompt.

pub mod parse;
pub mod terminal;
mod tty_mode;
