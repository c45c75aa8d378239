//! The in-band requests `heartbeat-probe` sends to `wsdiag echo --companion` (and
//! `builtin:echo?companion`) to test server-to-client traffic. Text messages, one line each:
//!
//! - `wsdiag-companion push-after MS TOKEN`: send `wsdiag-companion push TOKEN 1` after MS ms;
//! - `wsdiag-companion push-every MS COUNT TOKEN`: send `wsdiag-companion push TOKEN N` every MS
//!   ms, COUNT times.
//!
//! The companion answers each request at once with `wsdiag-companion ok TOKEN` (or
//! `wsdiag-companion error WHY`), and does not echo it. Any other server echoes the request as
//! it is, which is how the probe tells that no companion is there.

use std::time::Duration;

/// The prefix of every request and answer.
pub const PREFIX: &str = "wsdiag-companion ";

/// A push request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// When each push is due, after the request arrived.
    pub delays: Vec<Duration>,
    pub token: String,
}

impl Request {
    /// The request text for one push after `after`.
    pub fn push_after(after: Duration, token: &str) -> String {
        format!("{PREFIX}push-after {} {token}", after.as_millis())
    }

    /// The request text for `count` pushes, one every `every`.
    pub fn push_every(every: Duration, count: u32, token: &str) -> String {
        format!("{PREFIX}push-every {} {count} {token}", every.as_millis())
    }

    /// Parses a request; `None` when the text is none, `Some(Err)` when it is malformed.
    pub fn parse(text: &str) -> Option<Result<Request, String>> {
        let rest = text.strip_prefix(PREFIX)?;
        let words: Vec<&str> = rest.split_whitespace().collect();
        let ms = |w: &str| w.parse::<u64>().ok().filter(|m| *m <= 86_400_000).map(Duration::from_millis);
        Some(match words.as_slice() {
            ["push-after", after, token] => match ms(after) {
                Some(d) => Ok(Request { delays: vec![d], token: token.to_string() }),
                None => Err(format!("bad delay '{after}'")),
            },
            ["push-every", every, count, token] => {
                match (ms(every), count.parse::<u32>().ok().filter(|c| *c <= 10_000)) {
                    (Some(d), Some(n)) => {
                        Ok(Request { delays: (1..=n).map(|i| d * i).collect(), token: token.to_string() })
                    }
                    _ => Err(format!("bad interval or count '{every} {count}'")),
                }
            }
            _ => Err("unknown request (push-after MS TOKEN, push-every MS COUNT TOKEN)".into()),
        })
    }

    /// The immediate answer.
    pub fn ok(&self) -> String {
        format!("{PREFIX}ok {}", self.token)
    }

    /// The Nth push.
    pub fn push(&self, n: usize) -> String {
        format!("{PREFIX}push {} {n}", self.token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_bad_ones_are_errors() {
        let r = Request::parse(&Request::push_after(Duration::from_millis(1500), "t1")).unwrap().unwrap();
        assert_eq!(r, Request { delays: vec![Duration::from_millis(1500)], token: "t1".into() });
        let r = Request::parse(&Request::push_every(Duration::from_secs(1), 3, "t2")).unwrap().unwrap();
        assert_eq!(r.delays, vec![Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(3)]);
        assert_eq!(
            (r.ok(), r.push(2)),
            ("wsdiag-companion ok t2".into(), "wsdiag-companion push t2 2".into())
        );
        assert!(Request::parse("hello").is_none());
        assert!(Request::parse("wsdiag-companion push-after x t").unwrap().is_err());
        assert!(Request::parse("wsdiag-companion nope").unwrap().is_err());
    }
}
