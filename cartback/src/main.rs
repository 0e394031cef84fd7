//! `cartback`: local mode (`serve`), the scripted story (`demo`) and the load simulation
//! (`simulate`). Everything runs the same engine the Lambda functions host.

// Cart records are cloned and dropped at a high rate: jemalloc serves this 1.16× faster than
// mimalloc and 1.25× faster than glibc in `simulate` (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod demo;
mod serve;
mod simulate;

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
        /// Start of the virtual clock (RFC 3339); default: now.
        #[arg(long)]
        start: Option<jiff::Timestamp>,
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
    },
    /// Print the X-Twilio-Signature Twilio would send for a form POST (to test the replies
    /// route by hand): `cartback twilio-sign --url URL --token TOKEN From=+1... Body=STOP`.
    TwilioSign {
        /// The full URL Twilio posts to (public_url + path).
        #[arg(long)]
        url: String,
        /// The store's Twilio auth token.
        #[arg(long)]
        token: String,
        /// Form parameters as NAME=VALUE.
        params: Vec<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config, addr, clock, start } => {
            init_logging();
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(serve::run(config, addr, clock, start))
        }
        Command::Demo => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(demo::run())
        }
        Command::TwilioSign { url, token, params } => {
            let mut pairs = Vec::new();
            for p in params {
                let (k, v) = p.split_once('=').ok_or_else(|| anyhow::anyhow!("`{p}` is not NAME=VALUE"))?;
                pairs.push((k.to_string(), v.to_string()));
            }
            println!("{}", cartback_core::twilio::signature(&token, &url, &pairs));
            Ok(())
        }
        Command::Simulate { carts, seed } => {
            // One thread: the budget is carts per second on one core.
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(simulate::run(carts, seed))
        }
    }
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
