//! The command line: parsed by clap into [`Config`], the documented shape of every run.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::mock::{DelayRange, RequestValidation};
use crate::state::Clock;

/// Everything a run of `understudy` is told.
#[derive(Debug, Parser)]
#[command(
    name = "understudy",
    version,
    about = "OpenAPI mock server and contract-test tool"
)]
pub struct Config {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer every operation of the contracts with schema-valid responses.
    Serve(ServeArgs),
    /// `serve` with Stoplight Prism's flags, as `prism mock` spells them: a Prism user
    /// switches by changing the command only.
    Mock(MockArgs),
    /// Report problems in the contracts; exits 1 when any is an error.
    Lint(LintArgs),
    /// List the operations served, with their full URLs.
    Routes(RoutesArgs),
    /// Check recorded traffic (HAR, JSON lines) against the contracts; exits 1 on violations.
    Validate(ValidateArgs),
    /// Forward every request to a real upstream, checking both directions against the contract.
    Proxy(ProxyArgs),
    /// Contract-test a running provider with requests generated from the contract.
    Check(CheckArgs),
    /// Print a document as the OpenAPI 3 that understudy serves: a Swagger 2.0 file converted,
    /// the files it references bundled in.
    Convert(ConvertArgs),
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The OpenAPI or Swagger 2.0 document (YAML or JSON).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub specs: SpecFlags,
    /// The provider's base URL, e.g. `http://127.0.0.1:8080`.
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// A header sent with every request, e.g. `x-api-key: …` (repeatable; never printed).
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// A bearer token sent as `Authorization: Bearer TOKEN` (never printed).
    #[arg(long, value_name = "TOKEN")]
    pub bearer: Option<String>,
    /// The secret of the contract's security scheme SCHEME, sent where each operation's
    /// security requirements ask for it (repeatable; never printed): an API key in its
    /// header, query parameter or cookie, `user:password` for HTTP Basic, a token for HTTP
    /// bearer, OAuth2 and OpenID Connect.
    #[arg(long = "auth", value_name = "SCHEME=SECRET", value_parser = parse_auth)]
    pub auth: Vec<(String, String)>,
    /// Seed of generated requests: the same seed sends the same requests.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Generated valid requests per operation beyond its example, each optional part present
    /// or not by a seeded draw; a failing one is shrunk to the smallest request that still
    /// fails.
    #[arg(long, default_value_t = 25, value_name = "N")]
    pub max_examples: usize,
    /// Send at most this many generated requests (the resource chains come on top).
    #[arg(long, default_value_t = 10_000)]
    pub max_requests: usize,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Keep every exchange in this file (`.har`, or JSON lines), secrets redacted.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Write the report here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--validate-requests`: the command line's spelling of [`RequestValidation`] (clap stays
/// here; the engine does not know it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateRequests {
    /// Answer with the contract's error response (401, 415, 422, 400…).
    Enforce,
    /// Answer normally; report the violations in `sl-violations` and the log.
    Warn,
    /// Do not check requests.
    Off,
}

impl From<ValidateRequests> for RequestValidation {
    fn from(value: ValidateRequests) -> Self {
        match value {
            ValidateRequests::Enforce => RequestValidation::Enforce,
            ValidateRequests::Warn => RequestValidation::Warn,
            ValidateRequests::Off => RequestValidation::Off,
        }
    }
}

fn parse_auth(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((scheme, secret)) if !scheme.trim().is_empty() => {
            Ok((scheme.trim().to_string(), secret.to_string()))
        }
        _ => Err(format!(
            "expected SCHEME=SECRET, the name of a security scheme the contract declares and \
             its secret, got {raw:?}"
        )),
    }
}

fn parse_header(raw: &str) -> Result<(String, String), String> {
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| "expected NAME: VALUE".to_string())?;
    Ok((name.trim().to_string(), value.trim().to_string()))
}

#[derive(Debug, Args)]
pub struct ProxyArgs {
    #[command(flatten)]
    pub specs: SpecFlags,
    /// Prism's form, `proxy SPEC URL`: the document and the real API.
    #[arg(value_name = "SPEC URL", num_args = 0..=2)]
    pub prism_form: Vec<String>,
    /// The real API, e.g. `https://api.example.com` (paths are appended as they arrive).
    #[arg(long, value_name = "URL", required_unless_present = "prism_form")]
    pub upstream: Option<String>,
    /// Answer invalid requests without forwarding (401/422…), and turn invalid upstream
    /// answers into a 502 problem listing the violations.
    #[arg(long)]
    pub errors: bool,
    /// Append every exchange to this JSON-lines file (secrets redacted), for `validate`.
    #[arg(long, value_name = "FILE.jsonl")]
    pub record: Option<PathBuf>,
    /// Seconds to wait for the upstream before answering 504.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    #[arg(short, long, default_value_t = 4010)]
    pub port: u16,
    /// Largest request body accepted, in bytes (larger ones get 413).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Grouped by operation, for people (colours only on a terminal without NO_COLOR).
    Human,
    /// A stable JSON document: `summary`, `exchanges[].failures[]`, `coverage`.
    Json,
    /// JUnit XML, one testcase per exchange.
    Junit,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub specs: SpecFlags,
    /// Recordings: `.har` (HAR 1.2/1.3) or JSON lines (any other name).
    #[arg(required = true, value_name = "RECORDING")]
    pub recordings: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Write the report here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Which contracts to load and where to mount them.
#[derive(Debug, Args, Clone, Default)]
pub struct SpecArgs {
    /// OpenAPI documents (YAML or JSON) or directories of them. Default: the bundled
    /// contracts (kantata, kodexa, pxyz, rebilly), compiled into the binary.
    #[arg(value_name = "SPEC|DIR")]
    pub specs: Vec<PathBuf>,
    /// Serve the spec whose file stem is NAME under PREFIX (repeatable). One spec is mounted
    /// at `/` and several each under `/<file stem>` by default.
    #[arg(long = "mount", value_name = "NAME=/PREFIX", value_parser = parse_mount)]
    pub mounts: Vec<(String, String)>,
}

/// Which contracts to check against, for the commands whose positional arguments are
/// something else (recordings): `--spec` is repeatable.
#[derive(Debug, Args, Clone, Default)]
pub struct SpecFlags {
    /// OpenAPI documents or directories (repeatable). Default: the bundled contracts.
    #[arg(long = "spec", value_name = "SPEC|DIR")]
    pub specs: Vec<PathBuf>,
    /// Prefixes for several specs (NAME=/PREFIX), as with `serve`.
    #[arg(long = "mount", value_name = "NAME=/PREFIX", value_parser = parse_mount)]
    pub mounts: Vec<(String, String)>,
}

impl From<SpecFlags> for SpecArgs {
    fn from(flags: SpecFlags) -> SpecArgs {
        SpecArgs {
            specs: flags.specs,
            mounts: flags.mounts,
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub specs: SpecArgs,
    /// Address to listen on. Only this machine can connect unless told otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    #[arg(short, long, default_value_t = 4010)]
    pub port: u16,
    /// Seed of generated data: the same seed gives the same bytes.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Largest request body accepted, in bytes (larger ones get 413).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// What to do with requests that break the contract: answer with the contract's error
    /// response (enforce), answer normally and report in `sl-violations` (warn), or not check.
    #[arg(long, value_enum, default_value_t = ValidateRequests::Enforce)]
    pub validate_requests: ValidateRequests,
    /// Accept only this credential (repeatable): an API key value, a bearer token, or
    /// `user:password` for HTTP Basic. Without it any well-formed credential is accepted, as
    /// Prism does; with it, a test can check that a wrong key is refused.
    #[arg(long = "credential", value_name = "SECRET")]
    pub credentials: Vec<String>,
    /// Answer every operation from the contract alone, without stored resources.
    #[arg(long)]
    pub stateless: bool,
    /// Time stamped on stored objects: `system`, or an RFC 3339 instant to freeze at
    /// (`2024-01-01T00:00:00Z`) so that snapshot tests get the same bytes every run.
    #[arg(long, default_value = "system", value_parser = Clock::parse)]
    pub clock: Clock,
    /// Sessions (`X-Understudy-Session`) kept at most in memory; the least recently used goes
    /// first. (A Redis store expires sessions by `--session-ttl` instead.)
    #[arg(long, default_value_t = 1000)]
    pub max_sessions: usize,
    /// Where stored objects live: `memory` (this process), or a Redis shared by every
    /// replica pointed at it: `redis://[:PASSWORD@]HOST:PORT/DB`, `rediss://…` for TLS.
    #[arg(long, env = "UNDERSTUDY_REDIS_URL", hide_env_values = true,
          default_value = "memory", value_name = "STORE", value_parser = parse_store)]
    pub store: StoreUrl,
    /// With a Redis store: how long a session other than the default one is kept after its
    /// last change (`30m`, `24h`; `0` keeps them).
    #[arg(long, default_value = "24h", value_name = "DURATION",
          value_parser = humantime::parse_duration)]
    pub session_ttl: std::time::Duration,
    /// With a Redis store: the prefix of every key, so that several mocks share one Redis
    /// apart (braces not allowed: they make Redis Cluster's hash tags).
    #[arg(long, default_value = "understudy:", value_name = "PREFIX")]
    pub store_prefix: String,
    /// Requests the journal keeps (`/__understudy/requests`, verification); 0 keeps none.
    #[arg(long, default_value_t = crate::mock::JOURNAL_ENTRIES, value_name = "N")]
    pub journal_size: usize,
    /// Where the journal of answered requests (`/__understudy/requests`) is kept: `memory`,
    /// per replica, or `redis` (needs a Redis `--store`), a capped stream every replica writes
    /// to, so that the journal shows the requests of all.
    #[arg(long, value_enum, default_value_t = JournalPlace::Memory)]
    pub journal: JournalPlace,
    /// Do not serve the admin API under `/__understudy/`.
    #[arg(long)]
    pub no_admin: bool,
    /// Generate every answer from its schema for each request (seeded by the request),
    /// instead of serving examples (Prism's `--dynamic`).
    #[arg(long)]
    pub dynamic: bool,
    /// Generate answers from their schemas, leaving the documents' examples aside (Prism's
    /// `--ignoreExamples`).
    #[arg(long)]
    pub ignore_examples: bool,
    /// Answer without CORS headers (browsers then refuse cross-origin answers).
    #[arg(long)]
    pub no_cors: bool,
    /// Every answer waits this long (`200ms`), or a time drawn uniformly from a range
    /// (`50ms..400ms`, seeded by `--seed`). An operation's `x-understudy-delay`, a stub's
    /// `delay` and a request's `Prefer: delay=MS` take precedence.
    #[arg(long, value_name = "DURATION[..DURATION]", value_parser = DelayRange::parse)]
    pub delay: Option<DelayRange>,
    /// Answer this share of requests (0 to 1, `0.05`: one in twenty, seeded by `--seed`) with
    /// a 5xx or 429 their operation declares, with its `Retry-After` when declared.
    #[arg(long, default_value_t = 0.0, value_name = "SHARE", value_parser = parse_share)]
    pub chaos: f64,
    /// Milliseconds between an answer and the callbacks its operation declares.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub callback_delay: u64,
    /// Reload the contract when its document or any file it references changes (a broken
    /// edit is reported and the last good contract keeps serving; stored objects stay).
    #[arg(long)]
    pub watch: bool,
    /// Items generated for a sequential answer (an OpenAPI 3.2 `itemSchema`: server-sent
    /// events, JSON lines, JSON text sequences).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub stream_items: usize,
    /// Preload the default session with objects, in the format `GET /__understudy/state`
    /// dumps (`{"api:/item/path/{id}": [{"key": [...], "object": {...}}]}`), JSON or YAML.
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// Preload the default session with the objects of the contract's own response examples
    /// (of each resource's read and list operations).
    #[arg(long)]
    pub seed_from_examples: bool,
    /// Register the stubs in this directory's JSON and YAML files (each a stub, or a list of
    /// them, as `POST /__understudy/stubs` takes them); with `--watch`, again when they change.
    #[arg(long, value_name = "DIR")]
    pub stubs: Option<PathBuf>,
    /// Answer requests that match an exchange of this recording (HAR or JSON lines, as
    /// `proxy --record` writes) with the recorded answer, once it is checked against the
    /// contract; other requests are answered from the contract. Repeatable.
    #[arg(long, value_name = "RECORDING")]
    pub replay: Vec<PathBuf>,
    /// With `--replay`: replay recorded answers that break the contract too (flagged in
    /// `sl-violations`), instead of leaving them out.
    #[arg(long, requires = "replay")]
    pub lenient: bool,
}

/// `understudy mock`: Prism's command line (`prism mock`), turned into [`ServeArgs`].
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct MockArgs {
    /// The OpenAPI document (Prism serves one).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Port to listen on.
    #[arg(short = 'p', long, default_value_t = 4010)]
    pub port: u16,
    /// Host to listen on (Prism's `-h`; help is `--help`).
    #[arg(short = 'h', long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Generate every answer from its schema, per request, instead of serving examples.
    #[arg(short = 'd', long)]
    pub dynamic: bool,
    /// Seed of generated answers.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Leave the document's examples aside and generate answers from the schemas.
    #[arg(long = "ignoreExamples")]
    pub ignore_examples: bool,
    /// CORS headers on every answer (`--cors=false` turns them off).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1,
          default_missing_value = "true", require_equals = true)]
    pub cors: bool,
    /// Log level: trace, debug, info, warn, error, fatal or silent.
    #[arg(short = 'v', long = "verboseLevel", value_enum, default_value_t = VerboseLevel::Info)]
    pub verbose_level: VerboseLevel,
    /// Accepted as Prism's flag. In Prism's mock it turns the mock's own invalid answers into
    /// 500s; understudy never sends an answer that breaks the contract, so there are none.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1,
          default_missing_value = "true", require_equals = true)]
    pub errors: bool,
    /// Accepted as Prism's flag; understudy serves every request from one process with
    /// all cores, so there is nothing to fork.
    #[arg(short = 'm', long)]
    pub multiprocess: bool,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

/// Prism's `--verboseLevel` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerboseLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
    Silent,
}

impl VerboseLevel {
    /// The log filter it stands for.
    pub fn filter(self) -> &'static str {
        match self {
            VerboseLevel::Trace => "trace",
            VerboseLevel::Debug => "debug",
            VerboseLevel::Info => "info",
            VerboseLevel::Warn => "warn",
            VerboseLevel::Error | VerboseLevel::Fatal => "error",
            VerboseLevel::Silent => "off",
        }
    }
}

impl Config {
    /// The log filter when `RUST_LOG` does not set one: `mock -v LEVEL`'s, else `info`.
    pub fn default_log_filter(&self) -> &'static str {
        match &self.command {
            Command::Mock(args) => args.verbose_level.filter(),
            _ => "info",
        }
    }
}

impl From<MockArgs> for ServeArgs {
    fn from(args: MockArgs) -> ServeArgs {
        ServeArgs {
            specs: SpecArgs {
                specs: vec![args.spec],
                mounts: Vec::new(),
            },
            host: args.host,
            port: args.port,
            seed: args.seed,
            max_body_bytes: 10 * 1024 * 1024,
            validate_requests: ValidateRequests::Enforce,
            credentials: Vec::new(),
            stateless: false,
            clock: Clock::System,
            max_sessions: 1000,
            store: StoreUrl::Memory,
            session_ttl: std::time::Duration::from_secs(24 * 3600),
            store_prefix: "understudy:".into(),
            journal: JournalPlace::Memory,
            journal_size: crate::mock::JOURNAL_ENTRIES,
            no_admin: false,
            dynamic: args.dynamic,
            ignore_examples: args.ignore_examples,
            no_cors: !args.cors,
            // Prism's mock reloads a changed document; so does this one.
            watch: true,
            callback_delay: 0,
            delay: None,
            chaos: 0.0,
            stream_items: 3,
            fixtures: None,
            seed_from_examples: false,
            stubs: None,
            replay: Vec::new(),
            lenient: false,
        }
    }
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub specs: SpecArgs,
}

#[derive(Debug, Args)]
pub struct RoutesArgs {
    #[command(flatten)]
    pub specs: SpecArgs,
    /// Host shown in the URLs.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port shown in the URLs.
    #[arg(short, long, default_value_t = 4010)]
    pub port: u16,
}

fn parse_share(raw: &str) -> Result<f64, String> {
    raw.parse::<f64>()
        .ok()
        .filter(|share| (0.0..=1.0).contains(share))
        .ok_or_else(|| format!("expected a share from 0 to 1 (`0.05`), got {raw:?}"))
}

/// Where `serve` keeps its journal (`--journal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JournalPlace {
    Memory,
    Redis,
}

/// Where `serve` keeps stored objects (`--store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    Memory,
    /// A `redis://` or `rediss://` URL.
    Redis(String),
}

fn parse_store(raw: &str) -> Result<StoreUrl, String> {
    if raw == "memory" {
        Ok(StoreUrl::Memory)
    } else if raw.starts_with("redis://") || raw.starts_with("rediss://") {
        Ok(StoreUrl::Redis(raw.to_string()))
    } else {
        Err("expected `memory`, `redis://HOST:PORT/DB` or `rediss://HOST:PORT/DB`".into())
    }
}

fn parse_mount(raw: &str) -> Result<(String, String), String> {
    let (name, prefix) = raw
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=/PREFIX, got {raw:?}"))?;
    if name.is_empty() {
        return Err(format!("empty spec name in {raw:?}"));
    }
    Ok((name.to_string(), prefix.to_string()))
}
