//! assertions
