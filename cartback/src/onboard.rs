//! `cartback store`: onboard a store into a deployed stack without the AWS console. Validates
//! the TOML (every problem listed), moves its secrets into SSM SecureStrings under
//! /cartback/{stage}/{store}/, and merges its configuration into the stack's table. Uses the
//! standard AWS credential chain (profile, environment, SSO).

use cartback_core::config::Config;
use std::path::Path;

pub async fn run(table: &str, file: &Path, stage: &str, check: bool, allow_console: bool) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {name}: {e}"))?;
    let config = Config::from_toml(&name, &text)?;
    let ids: Vec<&str> = config.stores().map(|s| s.id.as_str()).collect();
    let unsent = steps_without_provider(&config);
    if !unsent.is_empty() && !allow_console {
        anyhow::bail!(
            "{name}: {} step(s) on a channel no provider carries; on AWS they would never be sent (each would be skipped as steps.skipped.no_provider and alarmed):\n  {}\nConfigure the provider, remove the step, or pass --allow-console for a dry run. Nothing was written.",
            unsent.len(),
            unsent.join("\n  ")
        );
    }
    if check {
        println!("{name}: valid; stores {}", ids.join(", "));
        for w in warnings(&config) {
            println!("  warning: {w}");
        }
        for line in sample_sequences(&config) {
            println!("{line}");
        }
        return Ok(());
    }
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamo = aws_sdk_dynamodb::Client::new(&aws);
    let ssm = aws_sdk_ssm::Client::new(&aws);
    let report = cartback_aws::store_config::put(&dynamo, &ssm, table, stage, &name, &text).await?;
    if cartback_aws::deployment_key::ensure(&ssm, stage).await? {
        println!(
            "  deployment key → SSM SecureString {} (created; never change it)",
            cartback_aws::deployment_key::parameter(stage)
        );
    }
    println!("table {table}: stores {} written", report.stores.join(", "));
    for s in &report.secrets {
        println!("  secret → SSM SecureString {s}");
    }
    if !report.kept.is_empty() {
        println!("  kept, not in this file: {}", report.kept.join(", "));
    }
    println!("The functions pick it up within 5 minutes (or at their next cold start).");
    Ok(())
}

/// The steps whose channel is left on `console` for their store: on AWS nothing carries them.
fn steps_without_provider(config: &Config) -> Vec<String> {
    use cartback_core::config::providers::{EmailProvider, SmsProvider, WebpushProvider, WhatsappProvider};
    use cartback_core::domain::Channel;
    let mut out = Vec::new();
    for s in config.stores() {
        for (i, step) in s.steps.iter().enumerate() {
            let console = match step.channel {
                Channel::Sms => s.providers.sms == SmsProvider::Console,
                Channel::Email => s.providers.email == EmailProvider::Console,
                Channel::Whatsapp => s.providers.whatsapp == WhatsappProvider::Console,
                Channel::Webpush => s.providers.webpush == WebpushProvider::Console,
            };
            if console {
                out.push(format!(
                    "stores.{}.steps[{i}].channel = \"{}\": no provider is configured for it",
                    s.id, step.channel
                ));
            }
        }
    }
    out
}

/// What is valid but will cost a store messages: SMS texts too long for some shoppers, and an
/// SES configuration set of the store's own, whose events reach Cartback only through an
/// EventBridge destination the merchant adds.
fn warnings(config: &Config) -> Vec<String> {
    let mut out = cartback_core::messaging::sms_length_check::warnings(config);
    for s in config.stores() {
        if let cartback_core::config::providers::EmailProvider::Ses { configuration_set: Some(set), .. } =
            &s.providers.email
        {
            out.push(format!(
                "stores.{}.email.configuration_set = {set:?}: give it an EventBridge event destination on the default bus for delivery, bounce and complaint events, or bounces and spam complaints will not reach Cartback (docs/providers.md, \"E-mail through SES\")",
                s.id
            ));
        }
    }
    out
}

/// For a store whose sequence has conditions (`when`): which steps each sample cart would get,
/// by conditions and lead temperatures (docs/sequences.md).
fn sample_sequences(config: &Config) -> Vec<String> {
    use cartback_core::abandonment::conditions::{sample_carts, steps_for};
    let mut out = Vec::new();
    for s in config
        .stores()
        .filter(|s| s.steps.iter().any(|st| st.when.is_some() || st.variants.iter().any(|v| v.when.is_some())))
    {
        out.push(format!(
            "  stores.{}: the steps sample carts would get (by `when`, `leads`, address and consent):",
            s.id
        ));
        for (label, cart) in sample_carts(s) {
            let steps: Vec<String> =
                steps_for(&cart, None, s).into_iter().map(|i| format!("{i} ({})", s.steps[i].channel)).collect();
            let steps = if steps.is_empty() { "none".to_string() } else { steps.join(", ") };
            out.push(format!("    {label} → {steps}"));
        }
        if s.conditions_need_catalogue() {
            out.push(
                "    (conditions on `tags`, `collections` or `product_types` are judged on the store's catalogue, \
                 which --check does not read: the sample carts' items are not in it, so they meet none)"
                    .into(),
            );
        }
    }
    out
}

/// `cartback migrate-contact-keys`: contacts under legacy keys moved to keyed ones.
pub async fn migrate_contact_keys(table: &str, stage: &str) -> anyhow::Result<()> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamo = aws_sdk_dynamodb::Client::new(&aws);
    let ssm = aws_sdk_ssm::Client::new(&aws);
    cartback_aws::deployment_key::ensure(&ssm, stage).await?;
    let secret = cartback_aws::deployment_key::load(&ssm, stage).await?;
    let clock: std::sync::Arc<dyn cartback_core::ports::Clock> =
        std::sync::Arc::new(cartback_core::system::SystemClock);
    let store = cartback_aws::DynamoStore::new(dynamo, table, clock);
    let (moved, skipped) = store.migrate_contact_keys(&secret).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("table {table}: {moved} contacts moved to keyed contact keys");
    if skipped > 0 {
        println!("  {skipped} changed while moving: run the command again to move them");
    }
    Ok(())
}
