//! `cartback`: local mode (`serve`), the scripted story (`demo`) and the load simulation
//! (`simulate`). Everything runs the same engine the Lambda functions host.

// Cart records are cloned and dropped at a high rate: jemalloc serves this 1.16× faster than
// mimalloc and 1.25× faster than glibc in `simulate` (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod allowed_from;
mod bill;
mod chaos;
mod corrections;
mod demo;
mod doctor;
mod email_preview;
mod fold_confusables;
mod meter;
mod onboard;
mod oracles;
mod reply_model;
mod serve;
mod shopper;
mod simulate;
mod vapid_keys;

use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "cartback", version, about = "Self-hosted abandoned-cart recovery")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ClockKind {
    System,
    Virtual,
}

/// When a commit reaches the disk (durable mode).
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum SyncKind {
    /// fsync every commit: an accepted event survives a power cut.
    Full,
    /// fsync at WAL checkpoints: survives a crash of the process, not a power cut; faster.
    Normal,
}

impl From<SyncKind> for cartback_sqlite::Sync {
    fn from(s: SyncKind) -> Self {
        match s {
            SyncKind::Full => cartback_sqlite::Sync::Full,
            SyncKind::Normal => cartback_sqlite::Sync::Normal,
        }
    }
}

/// Where `serve` keeps its state.
#[derive(clap::Args, Clone, Debug)]
pub struct Storage {
    /// Keep carts, timers, stats and the outbox in `DIR/cartback.sqlite3` (created if missing);
    /// a restart, even after kill -9, carries on where it stopped.
    #[arg(long, value_name = "DIR", default_value = ".cartback")]
    pub data_dir: PathBuf,
    /// Keep everything in memory instead: forgotten when the process exits.
    #[arg(long)]
    pub memory: bool,
    #[arg(long, value_enum, default_value = "full")]
    pub sync: SyncKind,
}

#[derive(Subcommand)]
enum Command {
    /// Run every function in one process: HTTP API, scheduler, dispatcher, console channel.
    Serve {
        /// Store configuration (TOML). Without it, the documented demo store starts.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: SocketAddr,
        /// `virtual`: time moves only through POST /_local/clock/advance.
        #[arg(long, value_enum, default_value = "system")]
        clock: ClockKind,
        /// Start of the virtual clock: an RFC 3339 time or `now`. Default: 2026-11-23T10:00:00Z,
        /// the time of the examples in docs/examples, so the README's tour gives the same answers
        /// on any day at any hour. A data directory whose virtual clock is already later resumes
        /// there: its time never goes backwards.
        #[arg(long, value_parser = serve::parse_start)]
        start: Option<jiff::Timestamp>,
        #[command(flatten)]
        storage: Storage,
        /// Let hand-off and event webhooks reach this machine (a receiver under development on
        /// localhost). Without it, as on AWS, endpoints must be on the internet: private,
        /// loopback, link-local and metadata addresses are refused when the request is made.
        #[arg(long)]
        allow_loopback_webhooks: bool,
    },
    /// Play a scripted recovery story and print it as a timeline.
    Demo,
    /// Push N carts through the whole pipeline on a virtual clock and report throughput,
    /// outcomes and storage/queue requests per cart.
    Simulate {
        #[arg(long, default_value_t = 10_000)]
        carts: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// `sqlite`: the durable backend of `serve`, on a fresh temporary directory.
        #[arg(long, value_enum, default_value = "memory")]
        backend: simulate::BackendKind,
        /// With `--backend sqlite`: when commits reach the disk.
        #[arg(long, value_enum, default_value = "full")]
        sync: SyncKind,
        /// A condition of every kind on every step, which every simulated cart meets: the same
        /// run plus judging them (docs/sequences.md).
        #[arg(long)]
        conditions: bool,
        /// Only the timed run: no metered pass for the AWS bill (and no SQLite ingest timing),
        /// for benchmarks that time or count the whole process (docs/benchmarks.md).
        #[arg(long)]
        no_bill: bool,
    },
    /// Validate a store configuration (TOML) and write it to a deployed stack: secrets into SSM
    /// Parameter Store (SecureString), the rest into the stack's table. AWS credentials from the
    /// usual chain (AWS_PROFILE, environment, SSO).
    Store {
        /// The stack's table (the `TableName` output of `sam deploy`).
        #[arg(long, required_unless_present = "check")]
        table: Option<String>,
        /// The store configuration file (format: docs/cartback.example.toml).
        #[arg(long)]
        config: PathBuf,
        /// The stack's stage (the `Stage` parameter): secrets go under /cartback/STAGE/STORE/.
        #[arg(long, default_value = "prod")]
        stage: String,
        /// Only validate the file; write nothing.
        #[arg(long)]
        check: bool,
        /// Accept steps on a channel left on `console` (a dry run: on AWS their messages are
        /// logged, skipped as `steps.skipped.no_provider` and alarmed, never sent).
        #[arg(long)]
        allow_console: bool,
    },
    /// Read a deployed stack and say what to fix: the account's Lambda concurrency quota, SES's
    /// sandbox and each store's sender identity, the stores' configuration and secrets,
    /// `public_url` against the API, Twilio numbers' and WhatsApp callbacks' URLs
    /// (docs/deploy-aws.md). Changes nothing; exits non-zero when something is to fix.
    Doctor {
        /// The stack's name (`sam deploy`'s; `infra/samconfig.toml` names it `cartback`).
        #[arg(long, default_value = "cartback")]
        stack: String,
    },
    /// Carts through the pipeline while faults are injected at random (duplicates, crashes,
    /// throttles, timeouts, refusals), then the invariants checked over the whole history
    /// (docs/chaos.md). Exits non-zero when one breaks.
    Chaos {
        #[arg(long, default_value_t = 100_000)]
        carts: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value = "memory")]
        backend: simulate::BackendKind,
        /// Put a defect in on purpose, to show the invariants catch it.
        #[arg(long, value_enum)]
        r#break: Option<chaos::BreakKind>,
        /// Write the whole history (each cart's truth and end, every message the providers
        /// took, the dead letters) as JSON here, for the independent checker
        /// (tests/references/chaos_check.py, run by scripts/chaos).
        #[arg(long)]
        history: Option<PathBuf>,
    },
    /// Move contacts written by the first versions (under unkeyed contact keys) to keys derived
    /// with the stage's deployment key (`cartback store` creates it). Safe to run again and
    /// while the stack runs; unsubscribe links already sent keep working.
    MigrateContactKeys {
        /// The stack's table.
        #[arg(long)]
        table: String,
        /// The stack's stage: the key is /cartback/STAGE/deployment_key.
        #[arg(long, default_value = "prod")]
        stage: String,
    },
    /// The reply model (docs/replies.md): `train` writes it from the corpus, `eval` prints its
    /// accuracy, macro-F1 and confusion matrices per language and fails below 90 %.
    Replies {
        #[command(subcommand)]
        action: RepliesAction,
    },
    /// Writes the raw MIME message SES would send for the built-in e-mail step in each built-in
    /// language to DIR/<lang>.eml (checked with Python's strict e-mail parser by
    /// `scripts/references`).
    EmailPreview {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Reads SMS bodies, one JSON string per line, from standard input and prints, per line,
    /// the encoding and segment count Cartback bills them as (the differential test against
    /// Twilio's calculator, `scripts/sms-reference`).
    SmsSegments,
    /// Reads phone numbers as JSON lines (`{"raw": "+47 912 34 567", "region": "NO" | null}`) from
    /// standard input and prints, per line, the E.164 form Cartback accepts (`-` if refused) and
    /// the time zones it takes from the number (`-` if none): the differential test against
    /// libphonenumber (`scripts/references`).
    PhoneNumbers,
    /// A shopper's data rights through the API of a running Cartback: `export` prints everything
    /// held about them, `erase` erases it (docs/http-api.md, "Shopper data rights").
    Shopper {
        #[command(subcommand)]
        action: ShopperAction,
    },
    /// Reads comparisons as JSON lines (`{"a": [n, mean, variance], "b": [...], "tau": t,
    /// "alpha": a}`) from standard input and prints, per line, the mSPRT's difference, interval
    /// and always-valid p-value (`-` if there is nothing to compare): the differential test
    /// against scipy (`scripts/references`).
    SequentialTest,
    /// Reads cases as JSON lines (`{"at": UNIX_SECONDS, "zone", "quiet": "HH:MM-HH:MM", "phone"}`)
    /// and prints, per line, the first instant a text may go and the jurisdiction rule applied:
    /// the differential test against Python's zoneinfo (`scripts/references`).
    AllowedFrom,
    /// Reads texts as JSON strings, one a line, and prints each with its homoglyphs read as
    /// Latin letters, as the opt-out rules read it: the differential test against Unicode's
    /// confusables (`scripts/references`).
    FoldConfusables,
    /// Reads cases as JSON lines (`{"p256dh", "auth", "plaintext", "pad_to", "vapid_private",
    /// "vapid_public", "endpoint", "subject", "now"}`, bytes in base64url) and prints, per line,
    /// the encrypted body and the `Authorization` header Cartback would send (`{"body",
    /// "authorization"}`, or `{"error"}`): the differential test against `http_ece` and
    /// `py_vapid` (`scripts/references`).
    WebPush,
    /// Prints a new VAPID key pair for a store's web push, as the TOML lines to paste
    /// (docs/web-push.md).
    VapidKeys,
    /// Print the X-Twilio-Signature Twilio would send for a form POST (to test the replies
    /// route by hand): `cartback twilio-sign --url URL --token TOKEN From=+1... Body=STOP`.
    TwilioSign {
        /// The full URL Twilio posts to (public_url + path).
        #[arg(long, required_unless_present = "batch", default_value = "")]
        url: String,
        /// The store's Twilio auth token.
        #[arg(long, required_unless_present = "batch", default_value = "")]
        token: String,
        /// Form parameters as NAME=VALUE.
        params: Vec<String>,
        /// Read requests as JSON lines from standard input (`{"url", "token", "params": [[name,
        /// value], …], "algorithm": "HMAC_SHA1" | "HMAC_SHA256"}`) and print one signature per
        /// line: the differential test against Twilio's library (`scripts/references`).
        #[arg(long)]
        batch: bool,
    },
}

#[derive(Subcommand)]
enum ShopperAction {
    /// Print everything the store holds about the shopper as one JSON document.
    Export {
        #[command(flatten)]
        who: ShopperArgs,
        /// Write the document to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Erase the shopper, keeping only a suppression record for their opt-outs.
    Erase {
        #[command(flatten)]
        who: ShopperArgs,
    },
}

/// A running Cartback's API and a store's key: what the commands that call it take.
#[derive(clap::Args)]
struct ApiArgs {
    /// The running Cartback: `http://127.0.0.1:8787` (local mode) or the stack's ApiUrl.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    url: String,
    #[arg(long)]
    store: String,
    /// The store's API key.
    #[arg(long)]
    key: String,
}

#[derive(clap::Args)]
struct ShopperArgs {
    #[command(flatten)]
    api: ApiArgs,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    phone: Option<String>,
}

#[derive(Subcommand)]
enum RepliesAction {
    /// Train on the built-in corpus's training split and write the model file.
    Train {
        #[arg(long, default_value = "shared/core/data/reply-model.bin")]
        out: PathBuf,
    },
    /// Measure the model: on the built-in held-out split, or on every row of FILE
    /// (`language<TAB>label<TAB>text`, the corpus's format).
    Eval {
        #[arg(long)]
        file: Option<PathBuf>,
        /// A model file to measure instead of the built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Also list every reply answered wrongly.
        #[arg(long)]
        errors: bool,
    },
    /// Reads replies, one per line, from standard input and prints, per line, what Cartback
    /// makes of it (label), what it does (`opted_out`, `wrong_number`, `held.CAUSE`, `reason`,
    /// `start`, `help`), which reader decided (`keyword`, `rules`, `caution`, `model`), the
    /// model's guess, its confidence and its opt-out probability.
    Read {
        /// A model file (`replies train --out`) instead of the built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Print the built-in corpus's held-out side (split by paraphrase family), in the corpus's
    /// format: to read what the model is measured on.
    HeldOut,
    /// Write a person's corrections of replies' readings (the inbox, or POST
    /// …/conversations/{id}/readings) in the corpus's format (`language<TAB>label<TAB>text`),
    /// read through the API of a running Cartback: a store's own replies, ready to add to the
    /// corpus (docs/replies.md, "Corrections").
    ExportCorrections {
        #[command(flatten)]
        api: ApiArgs,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line a person can act on; no backtrace for an expected failure.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config, addr, clock, start, storage, allow_loopback_webhooks } => {
            init_logging();
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(serve::run(config, addr, clock, start, storage, allow_loopback_webhooks))
        }
        Command::Demo => block_on(demo::run()),
        Command::Replies { action } => run_replies(action),
        Command::EmailPreview { dir } => email_preview::run(&dir),
        Command::SmsSegments => oracles::sms_segments(),
        Command::PhoneNumbers => oracles::phone_numbers(),
        Command::AllowedFrom => allowed_from::run(),
        Command::FoldConfusables => fold_confusables::run(),
        Command::WebPush => oracles::web_push(),
        Command::VapidKeys => vapid_keys::run(),
        Command::SequentialTest => oracles::sequential_test(),
        Command::TwilioSign { batch: true, .. } => oracles::twilio_signatures(),
        Command::TwilioSign { url, token, params, .. } => {
            let mut pairs = Vec::new();
            for p in params {
                let (k, v) = p.split_once('=').ok_or_else(|| anyhow::anyhow!("`{p}` is not NAME=VALUE"))?;
                pairs.push((k.to_string(), v.to_string()));
            }
            println!("{}", cartback_core::conversations::twilio_webhook::signature(&token, &url, &pairs));
            Ok(())
        }
        Command::Shopper { action } => {
            let (name, who, out) = match action {
                ShopperAction::Export { who, out } => ("export", who, out),
                ShopperAction::Erase { who } => ("erase", who, None),
            };
            let req = shopper::Request {
                url: who.api.url,
                store: who.api.store,
                key: who.api.key,
                email: who.email,
                phone: who.phone,
                out,
            };
            block_on(shopper::run(name, req))
        }
        Command::Store { table, config, stage, check, allow_console } => {
            block_on(onboard::run(table.as_deref().unwrap_or_default(), &config, &stage, check, allow_console))
        }
        Command::Doctor { stack } => block_on(doctor::run(&stack)),
        Command::Chaos { carts, seed, backend, r#break, history } => {
            block_on(chaos::run(carts, seed, backend, r#break, history.as_deref()))
        }
        Command::MigrateContactKeys { table, stage } => block_on(onboard::migrate_contact_keys(&table, &stage)),
        // One thread: the budget is carts per second on one core.
        Command::Simulate { carts, seed, backend, sync, conditions, no_bill } => {
            block_on(simulate::run(carts, seed, backend, sync, conditions, no_bill))
        }
    }
}

fn run_replies(action: RepliesAction) -> anyhow::Result<()> {
    match action {
        RepliesAction::Train { out } => reply_model::train_to(&out),
        RepliesAction::Eval { file, model, errors } => reply_model::eval(file, model, errors),
        RepliesAction::Read { model } => reply_model::read_stdin(model),
        RepliesAction::HeldOut => reply_model::print_held_out(),
        RepliesAction::ExportCorrections { api: ApiArgs { url, store, key }, out } => {
            block_on(corrections::export(&url, &store, &key, out.as_deref()))
        }
    }
}

/// Runs a command's future on one thread (the commands other than `serve`).
fn block_on(f: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(f)
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CARTBACK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("CARTBACK_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
