//! A real NAT on one machine: three network namespaces (client, router, server) joined by
//! veth pairs, the router masquerading with nftables, its conntrack forgetting established
//! TCP flows after a few seconds, `nf_conntrack_tcp_loose=0` and invalid packets dropped, as
//! a carrier NAT behaves. Needs root, `ip` (iproute2) and `nft` (nftables); the namespaces
//! are removed when it drops.

use std::process::{Command, Stdio};

/// The lab's namespaces, and where the server listens.
pub struct Nat {
    pub client: String,
    pub server: String,
    router: String,
    /// The server's address inside its namespace (a private address of this lab only).
    pub server_ip: &'static str,
}

/// Why the lab cannot be built here.
pub enum Unavailable {
    /// A tool is missing (install it: `.ci/run` does).
    Missing(&'static str),
    /// No privileges for network namespaces.
    NotPermitted(String),
}

fn run(args: &[&str], stdin: Option<&str>) -> Result<(), String> {
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]).stdout(Stdio::null()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        input.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn found(tool: &str) -> bool {
    ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].iter().any(|d| std::path::Path::new(d).join(tool).is_file())
}

const RULES: &str = "table ip nat {
  chain post {
    type nat hook postrouting priority 100;
    oifname \"r1\" masquerade
  }
}
table ip filter {
  chain forwarding {
    type filter hook forward priority 0;
    ct state invalid drop
  }
}
";

impl Nat {
    /// Builds the lab with conntrack's established-TCP timeout at `timeout_secs`.
    pub fn start(timeout_secs: u32) -> Result<Nat, Unavailable> {
        for tool in ["ip", "nft"] {
            if !found(tool) {
                return Err(Unavailable::Missing(tool));
            }
        }
        let id = format!("{}{}", std::process::id(), rand_suffix());
        let nat = Nat {
            client: format!("wsdc{id}"),
            router: format!("wsdr{id}"),
            server: format!("wsds{id}"),
            server_ip: "10.77.2.2",
        };
        if let Err(e) = run(&["ip", "netns", "add", &nat.client], None) {
            return Err(Unavailable::NotPermitted(e));
        }
        nat.build(timeout_secs).map_err(Unavailable::NotPermitted)?;
        Ok(nat)
    }

    fn build(&self, timeout_secs: u32) -> Result<(), String> {
        let (c, r, s) = (self.client.as_str(), self.router.as_str(), self.server.as_str());
        run(&["ip", "netns", "add", r], None)?;
        run(&["ip", "netns", "add", s], None)?;
        for ns in [c, r, s] {
            run(&["ip", "-n", ns, "link", "set", "lo", "up"], None)?;
        }
        run(
            &["ip", "link", "add", "c0", "netns", c, "type", "veth", "peer", "name", "r0", "netns", r],
            None,
        )?;
        run(
            &["ip", "link", "add", "s0", "netns", s, "type", "veth", "peer", "name", "r1", "netns", r],
            None,
        )?;
        for (ns, dev, addr) in [
            (c, "c0", "10.77.1.2/24"),
            (r, "r0", "10.77.1.1/24"),
            (r, "r1", "10.77.2.1/24"),
            (s, "s0", "10.77.2.2/24"),
        ] {
            run(&["ip", "-n", ns, "addr", "add", addr, "dev", dev], None)?;
            run(&["ip", "-n", ns, "link", "set", dev, "up"], None)?;
        }
        run(&["ip", "-n", c, "route", "add", "default", "via", "10.77.1.1"], None)?;
        run(&["ip", "-n", s, "route", "add", "default", "via", "10.77.2.1"], None)?;
        let exec = |args: &[&str], stdin: Option<&str>| {
            let mut all = vec!["ip", "netns", "exec", r];
            all.extend_from_slice(args);
            run(&all, stdin)
        };
        exec(&["sysctl", "-qw", "net.ipv4.ip_forward=1"], None)?;
        exec(&["nft", "-f", "-"], Some(RULES))?;
        exec(&["sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=0"], None)?;
        let timeout = format!("net.netfilter.nf_conntrack_tcp_timeout_established={timeout_secs}");
        exec(&["sysctl", "-qw", &timeout], None)?;
        Ok(())
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() % 100_000)
}

impl Drop for Nat {
    fn drop(&mut self) {
        for ns in [&self.client, &self.router, &self.server] {
            let _ = run(&["ip", "netns", "del", ns], None);
        }
    }
}
