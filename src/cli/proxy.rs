//! Proxy options, with curl's names.

use std::path::PathBuf;

use clap::Args;

/// Proxies, with curl's option names; the environment is read as curl reads it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Proxy")]
pub struct ProxyArgs {
    /// Connect through this proxy: http:// (HTTP CONNECT), https:// (TLS to the proxy, then
    /// CONNECT), socks5:// (wsdiag resolves the server's name) or socks5h:// (the proxy does);
    /// USER:PASS@ in the URL authenticates. '' means no proxy [default: http_proxy for ws://,
    /// https_proxy or HTTPS_PROXY for wss://, else all_proxy or ALL_PROXY]
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,

    /// Proxy credentials (Basic for HTTP proxies, RFC 1929 for SOCKS5); overrides the URL's
    #[arg(long, value_name = "USER:PASS")]
    pub proxy_user: Option<String>,

    /// Add a header to the CONNECT request (repeatable)
    #[arg(long, value_name = "'NAME: VALUE'")]
    pub proxy_header: Vec<String>,

    /// Hosts reached without the proxy: comma-separated names (with their subdomains), IP
    /// addresses, CIDR ranges, or '*' for all; overrides no_proxy and NO_PROXY
    #[arg(long, value_name = "LIST")]
    pub noproxy: Option<String>,

    /// Trust only the CA certificates in this PEM file for an https:// proxy
    #[arg(long, value_name = "FILE")]
    pub proxy_cacert: Option<PathBuf>,

    /// Do not verify an https:// proxy's certificate
    #[arg(long)]
    pub proxy_insecure: bool,
}
