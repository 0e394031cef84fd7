//! Every function's logging, set up once: JSON lines for CloudWatch Logs, filtered by `RUST_LOG`
//! (the template sets it from the stack's `LogLevel`).

pub fn init() {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
}
