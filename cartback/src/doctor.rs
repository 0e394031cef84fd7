//! `cartback doctor --stack NAME`: reads what a deployer can get wrong in a deployed stack and
//! says what to fix — the account's Lambda concurrency quota, SES's sandbox and the stores'
//! sender identities, the stores' configuration and secrets in the table and SSM, `public_url`
//! (and `replies_url`) against the stack's URLs, each Twilio number's incoming-message webhook, and the WhatsApp
//! callback's verification. It changes nothing. AWS credentials from the usual chain; Twilio
//! with each store's own account SID and auth token. Exits non-zero when something is to fix.

mod verdicts;

use cartback_core::config::Config;
use cartback_core::config::providers::{EmailProvider, SmsProvider, WhatsappProvider};
use std::collections::BTreeMap;
use verdicts::{Finding, Level, shown};

/// The stack's outputs doctor reads (docs/deploy-aws.md).
const OUTPUTS: [&str; 4] = ["ApiUrl", "TableName", "TwilioWebhookUrl", "WhatsappWebhookUrl"];

pub async fn run(stack: &str) -> anyhow::Result<()> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let region = aws.region().map(|r| r.to_string()).unwrap_or_else(|| "(no region)".into());
    println!("cartback doctor: stack {} in {region}", shown(stack));
    let mut found = Vec::new();
    let Some((outputs, params)) = read_stack(&aws_sdk_cloudformation::Client::new(&aws), stack, &mut found).await
    else {
        return finish(found);
    };
    let stage = params.get("Stage").cloned().unwrap_or_else(|| "prod".into());
    match aws_sdk_lambda::Client::new(&aws).get_account_settings().send().await {
        Ok(s) => {
            let quota = s.account_limit().map(|l| i64::from(l.concurrent_executions())).unwrap_or(0);
            let unreserved = s.account_limit().and_then(|l| l.unreserved_concurrent_executions()).map(i64::from);
            found.extend(verdicts::concurrency(quota, unreserved, &params));
        }
        Err(e) => found.push(Finding::warn(
            "lambda",
            format!("could not read the account's settings ({}): check the concurrency quota by hand", aws_error(&e)),
        )),
    }
    let table = &outputs["TableName"];
    let dynamo = aws_sdk_dynamodb::Client::new(&aws);
    let ssm = aws_sdk_ssm::Client::new(&aws);
    match cartback_aws::deployment_key::load(&ssm, &stage).await {
        Ok(_) => found
            .push(Finding::ok("ssm", format!("deployment key {}", cartback_aws::deployment_key::parameter(&stage)))),
        Err(e) => found.push(Finding::fix("ssm", shown(&e.to_string()))),
    }
    let config = match cartback_aws::store_config::load(&dynamo, &ssm, table, None).await {
        Ok(c) => c,
        Err(e) => {
            found.push(Finding::fix(
                "stores",
                format!(
                    "{} (then `cartback store --table {} --stage {} --config FILE`)",
                    shown(&e.to_string()),
                    shown(table),
                    shown(&stage)
                ),
            ));
            return finish(found);
        }
    };
    let mut ids: Vec<&str> = config.stores().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    found.push(Finding::ok(
        "stores",
        format!("{} in table {}, every secret present in SSM: {}", ids.len(), shown(table), ids.join(", ")),
    ));
    found.push(public_url(&config, &outputs["ApiUrl"]));
    if let Some(replies) = outputs.get("RepliesBaseUrl") {
        found.push(replies_url(&config, replies));
    }
    ses(&aws_sdk_sesv2::Client::new(&aws), &config, &mut found).await;
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build()?;
    twilio(&http, &config, &outputs["TwilioWebhookUrl"], &mut found).await;
    whatsapp(&http, &config, &outputs["WhatsappWebhookUrl"], &mut found).await;
    finish(found)
}

fn finish(found: Vec<Finding>) -> anyhow::Result<()> {
    for f in &found {
        println!("{f}");
    }
    let fix = found.iter().filter(|f| f.level == Level::Fix).count();
    let warn = found.iter().filter(|f| f.level == Level::Warn).count();
    println!("{fix} to fix, {warn} warning(s), {} fine", found.len() - fix - warn);
    if fix > 0 {
        anyhow::bail!("{fix} problem(s) to fix (FIX above)");
    }
    Ok(())
}

/// One AWS error in one line: its code and message, escaped.
fn aws_error<E: aws_sdk_lambda::error::ProvideErrorMetadata>(e: &E) -> String {
    shown(&format!("{}: {}", e.code().unwrap_or("request failed"), e.message().unwrap_or("no message")))
}

/// The stack's outputs and parameters; `None` (with the finding) when there is nothing to read.
async fn read_stack(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    found: &mut Vec<Finding>,
) -> Option<(BTreeMap<String, String>, BTreeMap<String, String>)> {
    let out = match cfn.describe_stacks().stack_name(stack).send().await {
        Ok(o) => o,
        Err(e) => {
            found.push(Finding::fix(
                "stack",
                format!(
                    "cannot read stack {} ({}): deploy it (docs/deploy-aws.md) or name the right one and region",
                    shown(stack),
                    aws_error(&e)
                ),
            ));
            return None;
        }
    };
    let Some(s) = out.stacks().first() else {
        found.push(Finding::fix("stack", format!("no stack {}", shown(stack))));
        return None;
    };
    let status = s.stack_status().map(|x| x.as_str().to_string()).unwrap_or_default();
    let outputs: BTreeMap<String, String> =
        s.outputs().iter().filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string()))).collect();
    let params: BTreeMap<String, String> = s
        .parameters()
        .iter()
        .filter_map(|p| Some((p.parameter_key()?.to_string(), p.parameter_value().unwrap_or_default().to_string())))
        .collect();
    let settled = status.ends_with("_COMPLETE") && !status.contains("ROLLBACK") && !status.starts_with("DELETE");
    if settled {
        found.push(Finding::ok("stack", status.to_string()));
    } else {
        found.push(Finding::fix(
            "stack",
            format!("status {}: the last deploy did not complete; read its events (aws cloudformation describe-stack-events)", shown(&status)),
        ));
    }
    let missing: Vec<&str> = OUTPUTS.iter().copied().filter(|k| !outputs.contains_key(*k)).collect();
    if !missing.is_empty() {
        found.push(Finding::fix(
            "stack",
            format!(
                "outputs {} missing: not a Cartback stack, or one deployed from another template",
                missing.join(", ")
            ),
        ));
        return None;
    }
    Some((outputs, params))
}

fn public_url(config: &Config, api_url: &str) -> Finding {
    if verdicts::same_base(&config.public_url, api_url) {
        Finding::ok("public_url", format!("{} is the stack's API", shown(&config.public_url)))
    } else {
        Finding::fix(
            "public_url",
            format!(
                "is {}, the stack's API is {}: restore and unsubscribe links (and Twilio's signatures, unless replies_url is set) would name the wrong place. Set public_url = \"{}\" and run `cartback store` again",
                shown(&config.public_url),
                shown(api_url),
                shown(api_url)
            ),
        )
    }
}

/// With `FrontDoor=FunctionUrl` the providers' webhooks reach the replies function's own URL:
/// Twilio signs that URL, and status callbacks must name it.
fn replies_url(config: &Config, base: &str) -> Finding {
    if verdicts::same_base(&config.replies_url, base) {
        Finding::ok("replies_url", format!("{} reaches the replies function", shown(&config.replies_url)))
    } else {
        Finding::fix(
            "replies_url",
            format!(
                "is {}, the replies function is reached at {}: Twilio's signatures would fail (403) and delivery reports go astray. Set replies_url = \"{}\" and run `cartback store` again",
                shown(&config.replies_url),
                shown(base),
                shown(base)
            ),
        )
    }
}

/// SES's account (sandbox, sending) and each SES store's sender identity.
async fn ses(ses: &aws_sdk_sesv2::Client, config: &Config, found: &mut Vec<Finding>) {
    let mut senders: Vec<(&str, &str)> = config
        .stores()
        .filter_map(|s| match &s.providers.email {
            EmailProvider::Ses { from, .. } => Some((s.id.as_str(), from.as_str())),
            EmailProvider::Console => None,
        })
        .collect();
    if senders.is_empty() {
        return;
    }
    senders.sort_unstable();
    match ses.get_account().send().await {
        Ok(a) if !a.sending_enabled() => found.push(Finding::fix(
            "ses",
            "sending is disabled for this account in this region: no e-mail goes out (SES console → Account dashboard)",
        )),
        Ok(a) if !a.production_access_enabled() => found.push(Finding::warn(
            "ses",
            "the account is in the SES sandbox here: mail reaches only verified addresses, 200 a day. Request production access (SES console → Account dashboard)",
        )),
        Ok(_) => found.push(Finding::ok("ses", "production access, sending enabled")),
        Err(e) => found.push(Finding::warn(
            "ses",
            format!("could not read the account ({}): check the sandbox by hand (SES console → Account dashboard)", aws_error(&e)),
        )),
    }
    for (store, from) in senders {
        let mut verdict = None;
        for identity in verdicts::ses_identities(from) {
            match ses.get_email_identity().email_identity(&identity).send().await {
                // Either field: SES sets both once it finds the DNS records; moto, which the
                // tests run on, only the second.
                Ok(i)
                    if i.verified_for_sending_status()
                        || i.verification_status() == Some(&aws_sdk_sesv2::types::VerificationStatus::Success) =>
                {
                    verdict =
                        Some(Finding::ok("ses", format!("store {store}: sends as {}, verified", shown(&identity))));
                    break;
                }
                // Not verified: its domain may still be (a verified domain covers its addresses).
                Ok(_) => {
                    verdict = verdict.or(Some(Finding::fix(
                        "ses",
                        format!(
                            "store {store}: identity {} is not verified yet: publish its DNS records (SES console → Identities)",
                            shown(&identity)
                        ),
                    )));
                }
                Err(e) if e.as_service_error().is_some_and(|x| x.is_not_found_exception()) => {}
                Err(e) => {
                    verdict = Some(Finding::warn(
                        "ses",
                        format!("store {store}: could not read identity {} ({})", shown(&identity), aws_error(&e)),
                    ));
                    break;
                }
            }
        }
        found.push(verdict.unwrap_or_else(|| {
            Finding::fix(
                "ses",
                format!("store {store}: neither the sender nor its domain ({}) is an SES identity in this region: create and verify the domain (SES console → Identities)", shown(from)),
            )
        }));
    }
}

/// A Twilio API's base: `CARTBACK_TWILIO_URL` (as the functions read it; one fake serves
/// both) or Twilio's own — `api.twilio.com` for numbers, `messaging.twilio.com` for Messaging
/// Services.
fn twilio_base(own: &str) -> String {
    std::env::var("CARTBACK_TWILIO_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| own.into())
        .trim_end_matches('/')
        .to_string()
}

/// Each Twilio store's number (or Messaging Service) points its incoming messages at the stack.
async fn twilio(http: &reqwest::Client, config: &Config, template: &str, found: &mut Vec<Finding>) {
    let mut stores: Vec<_> = config.stores().collect();
    stores.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    for s in stores {
        let SmsProvider::Twilio { account_sid, auth_token, from, messaging_service_sid } = &s.providers.sms else {
            continue;
        };
        let expected = template.replace("{store}", &s.id);
        let escaped = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        let (what, url, field, method_field) = match (messaging_service_sid, from) {
            (Some(mg), _) => (
                format!("Messaging Service {}", shown(mg)),
                format!("{}/v1/Services/{}", twilio_base("https://messaging.twilio.com"), escaped(mg)),
                "inbound_request_url",
                "inbound_method",
            ),
            (None, Some(number)) => (
                format!("number {}", shown(number)),
                format!(
                    "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json?PhoneNumber={}",
                    twilio_base("https://api.twilio.com"),
                    escaped(account_sid),
                    escaped(number)
                ),
                "sms_url",
                "sms_method",
            ),
            (None, None) => continue,
        };
        let area = "twilio";
        let answer = http.get(&url).basic_auth(account_sid, Some(&auth_token.0)).send().await;
        let body: serde_json::Value = match answer {
            Ok(r) if r.status() == reqwest::StatusCode::UNAUTHORIZED => {
                found.push(Finding::fix(
                    area,
                    format!("store {}: Twilio refused its account SID and auth token (401)", s.id),
                ));
                continue;
            }
            Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND => {
                found.push(Finding::fix(
                    area,
                    format!("store {}: {what} is not in Twilio account {}", s.id, shown(account_sid)),
                ));
                continue;
            }
            Ok(r) if r.status().is_success() => r.json().await.unwrap_or_default(),
            Ok(r) => {
                found.push(Finding::warn(area, format!("store {}: Twilio answered {} for {what}", s.id, r.status())));
                continue;
            }
            Err(e) => {
                found.push(Finding::warn(
                    area,
                    format!("store {}: Twilio not reached ({})", s.id, shown(&e.to_string())),
                ));
                continue;
            }
        };
        // A number is listed (`incoming_phone_numbers`, empty when the account has no such
        // number); a Messaging Service is the object itself.
        let entry = match body.get("incoming_phone_numbers") {
            Some(list) => list.get(0).cloned(),
            None => Some(body.clone()),
        };
        let Some(entry) = entry else {
            found.push(Finding::fix(
                area,
                format!("store {}: {what} is not in Twilio account {}", s.id, shown(account_sid)),
            ));
            continue;
        };
        let got = entry.get(field).and_then(|v| v.as_str()).unwrap_or_default();
        let method = entry.get(method_field).and_then(|v| v.as_str()).unwrap_or("POST");
        // A Messaging Service may leave incoming messages to each number's own webhook.
        if entry.get("use_inbound_webhook_on_number").and_then(|v| v.as_bool()) == Some(true) {
            found.push(Finding::warn(
                area,
                format!(
                    "store {}: {what} hands incoming messages to each number's own webhook: each must be HTTP POST {}",
                    s.id,
                    shown(&expected)
                ),
            ));
            continue;
        }
        if got == expected && method.eq_ignore_ascii_case("POST") {
            found.push(Finding::ok(
                area,
                format!("store {}: {what} sends incoming messages to {}", s.id, shown(&expected)),
            ));
        } else {
            found.push(Finding::fix(
                area,
                format!(
                    "store {}: {what} sends incoming messages to {} ({}); replies and STOPs would not reach Cartback. Set \"A message comes in\" to HTTP POST {}",
                    s.id,
                    if got.is_empty() { "nowhere".to_string() } else { format!("\"{}\"", shown(got)) },
                    shown(method),
                    shown(&expected)
                ),
            ));
        }
    }
}

/// Each WhatsApp store's callback answers Meta's verification request with its token.
async fn whatsapp(http: &reqwest::Client, config: &Config, template: &str, found: &mut Vec<Finding>) {
    let mut stores: Vec<_> = config.stores().collect();
    stores.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    for s in stores {
        let meta = matches!(s.providers.whatsapp, WhatsappProvider::Meta { .. });
        let Some(token) = &s.whatsapp_verify_token else {
            if meta {
                found.push(Finding::fix(
                    "whatsapp",
                    format!("store {}: sends on WhatsApp but has no whatsapp_verify_token: Meta cannot verify the callback, so replies, STOPs and statuses never arrive", s.id),
                ));
            }
            continue;
        };
        let callback = template.replace("{store}", &s.id);
        let challenge = format!("{}", jiff::Timestamp::now().as_nanosecond() % 1_000_000_007);
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.verify_token", &token.0)
            .append_pair("hub.challenge", &challenge)
            .finish();
        let answer = http.get(format!("{callback}?{query}")).send().await;
        match answer {
            Ok(r) if r.status().is_success() => {
                let body = r.text().await.unwrap_or_default();
                if body.trim() == challenge {
                    found.push(Finding::ok(
                        "whatsapp",
                        format!("store {}: {} answers Meta's verification; in the Meta app (WhatsApp → Configuration) the callback URL must be this one, with the store's verify token (Meta's side is not readable without an app token)", s.id, shown(&callback)),
                    ));
                } else {
                    found.push(Finding::fix(
                        "whatsapp",
                        format!("store {}: {} answered the verification without its challenge", s.id, shown(&callback)),
                    ));
                }
            }
            Ok(r) => found.push(Finding::fix(
                "whatsapp",
                format!(
                    "store {}: {} refused the verification ({}): the stored verify token or the route is wrong",
                    s.id,
                    shown(&callback),
                    r.status()
                ),
            )),
            Err(e) => found.push(Finding::fix(
                "whatsapp",
                format!("store {}: {} not reached ({})", s.id, shown(&callback), shown(&e.to_string())),
            )),
        }
    }
}
