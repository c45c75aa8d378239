//! Where a connection's other end is: a TCP address, or a Unix-domain socket (a path, or a
//! Linux abstract name).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A Unix-domain socket address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnixPath {
    /// A socket file.
    Path(PathBuf),
    /// A Linux abstract socket: a name, no file.
    Abstract(String),
}

impl fmt::Display for UnixPath {
    /// The path, or `@name` for an abstract socket (as ss(8) prints them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnixPath::Path(p) => write!(f, "{}", p.display()),
            UnixPath::Abstract(name) => write!(f, "@{name}"),
        }
    }
}

/// One end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Tcp(SocketAddr),
    Unix(UnixPath),
}

impl fmt::Display for Endpoint {
    /// `host:port`, or `unix:PATH` (`unix:@name` for an abstract socket).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(addr) => write!(f, "{addr}"),
            Endpoint::Unix(path) => write!(f, "unix:{path}"),
        }
    }
}

impl From<SocketAddr> for Endpoint {
    fn from(addr: SocketAddr) -> Self {
        Endpoint::Tcp(addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_print_as_address_or_unix_path() {
        let tcp = Endpoint::from("127.0.0.1:9001".parse::<SocketAddr>().unwrap());
        assert_eq!(tcp.to_string(), "127.0.0.1:9001");
        assert_eq!(Endpoint::Unix(UnixPath::Path("/run/app.sock".into())).to_string(), "unix:/run/app.sock");
        assert_eq!(Endpoint::Unix(UnixPath::Abstract("app".into())).to_string(), "unix:@app");
    }
}
