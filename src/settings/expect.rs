//! `--expect` and `--expect-json` read from the command line: a regex, or `PATH=VALUE` with a
//! JSON pointer or a dotted path.

use regex::Regex;
use serde_json::Value;

use crate::core::error::Error;
use crate::core::session::expect::Expectation;

impl Expectation {
    /// Parses `--expect PATTERN`. Errors: a usage error naming the pattern.
    pub fn regex(pattern: &str) -> Result<Self, Error> {
        Regex::new(pattern).map(Expectation::Regex).map_err(|e| {
            Error::usage(format!("--expect '{}' is not a valid regex: {e}", pattern.escape_debug()))
        })
    }

    /// Parses `--expect-json PATH=VALUE`: PATH a JSON pointer (`/a/0`) or dotted (`a.0`); VALUE JSON, or else
    /// a plain string.
    pub fn json(spec: &str) -> Result<Self, Error> {
        let (path, value) = spec.split_once('=').ok_or_else(|| Error::Usage {
            message: format!("--expect-json '{}' has no '='", spec.escape_debug()),
            hint: Some("write --expect-json 'status=\"ok\"' or --expect-json '/data/0/id=42'".into()),
        })?;
        let pointer = if path.starts_with('/') || path.is_empty() {
            path.to_string()
        } else {
            path.split('.').map(|seg| format!("/{}", seg.replace('~', "~0").replace('/', "~1"))).collect()
        };
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        Ok(Expectation::Json { pointer, value, shown: spec.to_string() })
    }
}
