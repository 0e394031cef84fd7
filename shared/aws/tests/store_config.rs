//! `cartback store` over the wire (moto): a store's configuration lands in the table with its
//! secrets moved into SSM SecureStrings, the functions read it back (resolving the secrets), an
//! invalid file writes nothing, and a second store is merged beside the first.
#![allow(clippy::unwrap_used)]

mod moto;

use cartback_aws::store_config::{self, parameter_name};
use cartback_core::config::{
    DEMO_API_KEY, DEMO_SHOPIFY_WEBHOOK_SECRET, DEMO_TWILIO_AUTH_TOKEN, DEMO_WOOCOMMERCE_WEBHOOK_SECRET, Secret,
};

const EXAMPLE: &str = include_str!("../../../docs/cartback.example.toml");

#[tokio::test]
async fn store_config_round_trips_through_the_table_and_ssm() {
    let Some(env) = moto::Env::new("storecfg").await else { return };
    let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let ssm = aws_sdk_ssm::Client::new(&conf);
    let stage = format!("t{}", std::process::id());

    // An invalid file: refused, nothing written anywhere.
    let bad = EXAMPLE.replace("currency = \"EUR\"", "currency = \"EURO\"");
    let err = store_config::put(&env.dynamo, &ssm, &env.table, &stage, "bad.toml", &bad).await.unwrap_err();
    assert!(err.to_string().contains("currency"), "{err}");
    assert!(
        store_config::load(&env.dynamo, &ssm, &env.table, None)
            .await
            .unwrap_err()
            .to_string()
            .contains("cartback store")
    );
    let none = ssm.get_parameter().name(parameter_name(&stage, "demo", "api_key")).send().await;
    assert!(none.is_err(), "a refused file wrote a secret");

    // The demo store: secrets to SSM, references in the table.
    let report = store_config::put(&env.dynamo, &ssm, &env.table, &stage, "demo.toml", EXAMPLE).await.unwrap();
    assert_eq!(report.stores, vec!["demo".to_string()]);
    assert_eq!(
        report.secrets.len(),
        7,
        "api_key, twilio_auth_token, shopify_webhook_secret, woocommerce_webhook_secret, whatsapp_app_secret, whatsapp_verify_token, webpush_vapid_private_key"
    );
    let stored = stored_toml(&env).await;
    for secret in [
        DEMO_API_KEY,
        DEMO_TWILIO_AUTH_TOKEN,
        DEMO_SHOPIFY_WEBHOOK_SECRET,
        DEMO_WOOCOMMERCE_WEBHOOK_SECRET,
        "demo_whatsapp_app_secret",
        "demo_whatsapp_verify_token",
        "NuiGadeuUAKChBUBdA2UyUdADaO0ofWCC5smnaoVIbQ",
    ] {
        assert!(!stored.contains(secret), "a secret is in the table");
    }
    assert!(stored.contains(&format!("ssm:/cartback/{stage}/demo/api_key")));
    let param = ssm
        .get_parameter()
        .name(parameter_name(&stage, "demo", "twilio_auth_token"))
        .with_decryption(true)
        .send()
        .await
        .unwrap()
        .parameter
        .unwrap();
    assert_eq!(param.r#type, Some(aws_sdk_ssm::types::ParameterType::SecureString));
    assert_eq!(param.value.as_deref(), Some(DEMO_TWILIO_AUTH_TOKEN));

    // What a function reads: the same store, secrets resolved.
    let config = store_config::load(&env.dynamo, &ssm, &env.table, None).await.unwrap();
    assert_eq!(config.store_for_key(DEMO_API_KEY).map(|s| s.id.as_str()), Some("demo"));
    assert_eq!(config.store("demo").unwrap().twilio_auth_token.expose(), DEMO_TWILIO_AUTH_TOKEN);
    let cartback_core::config::providers::WebpushProvider::Vapid(vapid) =
        &config.store("demo").unwrap().providers.webpush
    else {
        panic!("the demo store's web push")
    };
    assert_eq!(
        vapid.private_key.expose(),
        "NuiGadeuUAKChBUBdA2UyUdADaO0ofWCC5smnaoVIbQ",
        "the VAPID key back from SSM"
    );
    assert_eq!(
        config.store("demo").unwrap().shopify_webhook_secret.as_ref().map(Secret::expose),
        Some(DEMO_SHOPIFY_WEBHOOK_SECRET)
    );

    assert_eq!(
        config.store("demo").unwrap().whatsapp_verify_token.as_ref().map(Secret::expose),
        Some("demo_whatsapp_verify_token")
    );

    // A secret in a store's sub-table (`[stores.sms]`'s Account SID) goes to SSM too.
    let sid = "AC0123456789abcdef0123456789abcdef";
    let twilio =
        EXAMPLE.replace("id = \"demo\"", "id = \"sms\"").replace(DEMO_API_KEY, "cbk_sms_0123456789abcdef") + "";
    let twilio = twilio.replacen(
        "[stores.quiet_hours]",
        &format!("[stores.sms]\nprovider = \"twilio\"\ntwilio_account_sid = \"{sid}\"\nfrom = \"+14155550100\"\n\n[stores.quiet_hours]"),
        1,
    );
    let report = store_config::put(&env.dynamo, &ssm, &env.table, &stage, "sms.toml", &twilio).await.unwrap();
    assert!(report.secrets.contains(&parameter_name(&stage, "sms", "sms.twilio_account_sid")), "{report:?}");
    let stored = stored_toml(&env).await;
    assert!(!stored.contains(sid), "the Account SID is in the table");
    let config = store_config::load(&env.dynamo, &ssm, &env.table, None).await.unwrap();
    match &config.store("sms").unwrap().providers.sms {
        cartback_core::config::providers::SmsProvider::Twilio { account_sid, .. } => assert_eq!(account_sid, sid),
        other => panic!("{other:?}"),
    }

    // The platforms' tokens a catalogue is read with (docs/catalogue.md) are secrets too: Shopify's
    // Admin API token, WooCommerce's consumer key and secret.
    let token = "shpat_0123456789abcdef0123456789abcdef";
    let admin = EXAMPLE
        .replace("id = \"demo\"", &format!("id = \"admin\"\nshopify_admin_token = \"{token}\""))
        .replace(DEMO_API_KEY, "cbk_admin_0123456789abcdef")
        .replace(
            "shopify_shop = \"https://shop.example\"",
            "shopify_shop = \"https://shop.example\"\nshopify_admin = \"https://demo-shop.myshopify.com\"",
        );
    let report = store_config::put(&env.dynamo, &ssm, &env.table, &stage, "admin.toml", &admin).await.unwrap();
    assert!(report.secrets.contains(&parameter_name(&stage, "admin", "shopify_admin_token")), "{report:?}");
    let (ck, cs) = ("ck_0123456789abcdef0123456789abcdef", "cs_0123456789abcdef0123456789abcdef");
    let woo = EXAMPLE
        .replace(
            "id = \"demo\"",
            &format!("id = \"woo\"\nwoocommerce_consumer_key = \"{ck}\"\nwoocommerce_consumer_secret = \"{cs}\""),
        )
        .replace(DEMO_API_KEY, "cbk_woo_0123456789abcdef")
        .replace("shopify_shop = \"https://shop.example\"", "woocommerce_site = \"https://shop.example\"");
    let report = store_config::put(&env.dynamo, &ssm, &env.table, &stage, "woo.toml", &woo).await.unwrap();
    assert!(report.secrets.contains(&parameter_name(&stage, "woo", "woocommerce_consumer_secret")), "{report:?}");
    let stored = stored_toml(&env).await;
    assert!(![token, ck, cs].iter().any(|t| stored.contains(t)), "a platform token is in the table");
    let config = store_config::load(&env.dynamo, &ssm, &env.table, None).await.unwrap();
    let admin = config.store("admin").unwrap().catalogue.shopify_admin.as_ref().expect("the Admin API");
    assert_eq!(admin.token.expose(), token);
    let keys = config.store("woo").unwrap().catalogue.woocommerce_keys.as_ref().expect("the REST keys");
    assert_eq!((keys.0.expose(), keys.1.expose()), (ck, cs));

    // A second store is merged beside the first.
    let other = EXAMPLE
        .replace("id = \"demo\"", "id = \"other\"")
        .replace(DEMO_API_KEY, "cbk_other_0123456789abcdef")
        .lines()
        .filter(|l| !l.starts_with("abandon_after"))
        .collect::<Vec<_>>()
        .join("\n");
    let report = store_config::put(&env.dynamo, &ssm, &env.table, &stage, "other.toml", &other).await.unwrap();
    assert_eq!(report.kept, vec!["woo".to_string(), "admin".to_string(), "sms".to_string(), "demo".to_string()]);
    let config = store_config::load(&env.dynamo, &ssm, &env.table, None).await.unwrap();
    assert!(config.store("demo").is_some() && config.store("other").is_some());

    // And the functions' engine is built from it at first use.
    let settings = cartback_aws::wiring::Settings {
        table: env.table.clone(),
        queue_url: env.queue_url.clone(),
        config_path: None,
        abandon_after_minutes: Some(20),
        twilio_url: None,
        meta_graph_url: None,
        ses_configuration_set: None,
        stage: String::new(),
        queue_max_delay_seconds: None,
    };
    let deps = cartback_aws::wiring::Deps::with_clients(settings, env.dynamo.clone(), ssm.clone(), env.sqs.clone());
    let engine = deps.engine().await.unwrap();
    assert!(engine.config().store("other").is_some());
    // The stack's default applies where a store does not set abandon_after itself.
    assert_eq!(engine.config().store("other").unwrap().abandon_after, jiff::SignedDuration::from_mins(20));
    assert_eq!(engine.config().store("demo").unwrap().abandon_after, jiff::SignedDuration::from_mins(30));
}

/// The configuration as the table holds it (secrets as `ssm:` references).
async fn stored_toml(env: &moto::Env) -> String {
    let item = env
        .dynamo
        .get_item()
        .table_name(&env.table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("CONFIG".into()))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("CONFIG".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    item["toml"].as_s().unwrap().clone()
}
