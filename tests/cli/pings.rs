//! pings
