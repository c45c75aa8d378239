//! `replay` settings: the recordings read and chosen, each made into a connection like
//! `connect`'s (the recorded request headers, as `--from-curl` sorts them, then the
//! command line's own request and connection options), the pacing and the matching rules.

use regex::Regex;

use super::curl::sort_browser_headers;
use super::transport::{dial_config, insecure_warnings, tls_checks};
use super::{output_settings, proxy_config, request_config, Env, FromCurl};
use crate::cli::{ReplayArgs, ReportFormat};
use crate::core::builtin::target::TargetChoice;
use crate::core::error::Error;
use crate::core::replay::matcher::Rules;
use crate::core::replay::{Pacing, Script};
use crate::core::session::connection::{Buffers, ConnectionConfig};
use crate::core::wire::tap::{TapConfig, FRAME_PREVIEW};
use crate::output::OutputSettings;
use crate::recording::{self, Recording};

/// One recorded connection to replay.
#[derive(Debug, Clone)]
pub struct ReplayRun {
    /// Which one of the file ("entry 2", "the recording").
    pub label: String,
    /// Where it connects, as given or recorded.
    pub url: String,
    pub target: TargetChoice,
    pub connection: ConnectionConfig,
    pub script: Script,
    /// Shown with -v: which recorded headers were dropped or masked.
    pub notes: Vec<String>,
}

/// Validated input to a `replay` run.
#[derive(Debug, Clone)]
pub struct ReplaySettings {
    pub runs: Vec<ReplayRun>,
    pub pacing: Pacing,
    pub rules: Rules,
    /// The result as one JSON document (`--report json`, or a `replay` line with `--json`).
    pub json_report: bool,
    pub output: OutputSettings,
    pub warnings: Vec<String>,
}

impl ReplaySettings {
    /// Reads and chooses the recordings and checks every flag. Errors (usage): a bad flag or
    /// value, a bad recording (named with its place), `--entry`/`--url-match` choosing nothing.
    pub fn from_args(args: ReplayArgs, env: &Env) -> Result<Self, Error> {
        if args.request.from_curl.is_some() {
            return Err(Error::usage(
                "--from-curl has no meaning for replay: the recording gives the request",
            ));
        }
        if !(args.speed >= 0.0 && args.speed.is_finite()) {
            return Err(Error::usage(format!("--speed {} must be 0 or a positive number", args.speed)));
        }
        if args.reply_timeout.is_zero() {
            return Err(Error::usage("--reply-timeout must be greater than zero"));
        }
        let rules = rules(&args.ignore, &args.match_regex)?;
        let chosen = choose(recording::load(&args.file)?, &args)?;
        let mut output = output_settings(&args.output, env, false);
        // stdout carries the result; the messages are shown with -v (or in --json).
        output.show_messages = args.output.json || args.output.verbose >= 1;
        let frames = args.output.frames || args.output.verbose >= 2;
        let mut warnings = Vec::new();
        let mut runs = Vec::new();
        for rec in chosen {
            let url = args.url.clone().unwrap_or_else(|| rec.url.clone());
            let target = TargetChoice::parse(&url)?;
            let (curl, subprotocols) = recorded_request(&rec);
            let mut request_args = args.request.clone();
            request_args.subprotocols = subprotocols.into_iter().chain(request_args.subprotocols).collect();
            let request = request_config(request_args, &target, &curl)?;
            for w in insecure_warnings(&args.transport, &target).into_iter().chain(tls_checks(
                &args.transport,
                env,
                &target,
                false,
            )?) {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            let proxy = proxy_config(&args.transport.proxy, &target, env)?;
            let dial = dial_config(&args.transport, &target, env, proxy, None, None)?;
            runs.push(ReplayRun {
                label: rec.label,
                url,
                target,
                connection: ConnectionConfig {
                    request,
                    dial,
                    tap: TapConfig { frames, preview: FRAME_PREVIEW },
                    buffers: Buffers::default(),
                },
                script: rec.script,
                notes: curl.notes,
            });
        }
        Ok(ReplaySettings {
            runs,
            pacing: Pacing { speed: args.speed, reply_timeout: args.reply_timeout },
            rules,
            json_report: args.report == ReportFormat::Json || args.output.json,
            output,
            warnings,
        })
    }
}

fn rules(ignore: &[String], volatile: &[String]) -> Result<Rules, Error> {
    for p in ignore {
        if !p.starts_with('/') {
            return Err(Error::Usage {
                message: format!("--ignore '{}' is not a JSON pointer", p.escape_debug()),
                hint: Some("a JSON pointer starts with /, e.g. --ignore /ts or --ignore /items/0/id".into()),
            });
        }
    }
    let volatile = volatile
        .iter()
        .map(|r| {
            Regex::new(r).map_err(|e| {
                Error::usage(format!("--match-regex '{}' is not a valid regex: {e}", r.escape_debug()))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rules { ignore: ignore.to_vec(), volatile })
}

/// The recordings `--entry` or `--url-match` choose (all by default).
fn choose(all: Vec<Recording>, args: &ReplayArgs) -> Result<Vec<Recording>, Error> {
    let count = all.len();
    let file = args.file.display();
    if let Some(n) = args.entry {
        return all
            .into_iter()
            .nth(n as usize - 1)
            .map(|r| vec![r])
            .ok_or_else(|| Error::usage(format!("--entry {n}: {file} has {count} WebSocket entries")));
    }
    if let Some(pattern) = &args.url_match {
        let re = Regex::new(pattern).map_err(|e| {
            Error::usage(format!("--url-match '{}' is not a valid regex: {e}", pattern.escape_debug()))
        })?;
        let chosen: Vec<Recording> = all.into_iter().filter(|r| re.is_match(&r.url)).collect();
        if chosen.is_empty() {
            return Err(Error::usage(format!(
                "--url-match '{}': none of the {count} WebSocket entries of {file} matches",
                pattern.escape_debug()
            )));
        }
        return Ok(chosen);
    }
    Ok(all)
}

/// The recorded request as `--from-curl` would give it: the headers sent again, the
/// subprotocols offered, whether permessage-deflate was offered; and notes for `-v`.
fn recorded_request(rec: &Recording) -> (FromCurl, Vec<String>) {
    let sorted = sort_browser_headers(rec.headers.iter().cloned());
    let mut notes = rec.notes.clone();
    if !sorted.dropped.is_empty() {
        notes.push(format!("{}: dropped {} (wsdiag makes its own)", rec.label, sorted.dropped.join(", ")));
    }
    (FromCurl { notes, deflate: sorted.deflate, headers: sorted.headers }, sorted.subprotocols)
}
