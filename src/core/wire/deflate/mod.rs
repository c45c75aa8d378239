//! permessage-deflate (RFC 7692): the negotiation (`params`), the DEFLATE codec (`codec`,
//! flate2) and the layer that compresses and inflates data frames between the wire tap and
//! the protocol layer (`layer`).

pub mod codec;
pub mod fault;
mod frames;
pub mod layer;
pub mod params;

#[cfg(test)]
mod tests;

pub use fault::{DeflateFailure, DeflateFault};
pub use layer::{Deflate, DeflateConfig};
pub use params::{Agreement, DeflateParams};
