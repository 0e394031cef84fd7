//! `cartback demo`: the product's story in one minute of reading, on a virtual clock.

use cartback_core::config::demo_config;
use cartback_core::conversations::replies::InboundReply;
use cartback_core::domain::Channel;
use cartback_core::intake::contract::parse_event;
use cartback_core::messaging::compose::{ComposeInput, Delivery, compose};
use cartback_core::messaging::links::LinkOutcome;
use cartback_local::{LocalOptions, LocalRuntime};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

fn at(rt: &LocalRuntime) -> String {
    rt.now().strftime("%a %H:%M UTC").to_string()
}

pub async fn run() -> anyhow::Result<()> {
    let start: Timestamp = "2026-11-23T09:00:00Z".parse()?;
    let rt = LocalRuntime::new(
        demo_config(),
        LocalOptions { virtual_start: Some(start), print: false, seed: Some(7), ..LocalOptions::default() },
    );
    let store = rt.engine.config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("demo store missing"))?;
    let phone = "+905321234567";

    println!("Cartback demo — store `{}` ({}), virtual clock\n", store.id, store.name);
    let event = json!({
        "event_id": "evt_demo_1", "type": "checkout.started", "occurred_at": start.to_string(), "cart_id": "c_demo",
        "customer": {"first_name": "Ayşe", "phone": phone, "email": "ayse@example.com", "locale": "tr-TR",
                     "timezone": "Europe/Istanbul", "consent": {"sms": true, "email": true, "whatsapp": false}},
        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/checkouts/c_demo",
                 "items": [{"sku": "SW-1", "name": "Wool sweater", "quantity": 1, "unit_price": "42.00"}]}
    });
    let ev = parse_event(event.to_string().as_bytes(), &store).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let r = rt.engine.intake.ingest(&store, &ev).await?;
    println!(
        "[{}] Ayşe starts checkout: 1 × Wool sweater, 42.00 EUR (cart {}, state {})",
        at(&rt),
        r.cart_id,
        r.state.as_str()
    );
    println!("[{}] …and leaves the page.", at(&rt));

    rt.advance(SignedDuration::from_mins(30)).await;
    let sms = rt
        .outbox
        .latest()
        .into_iter()
        .find(|m| m.channel == "sms")
        .ok_or_else(|| anyhow::anyhow!("no SMS was sent"))?;
    println!(
        "[{}] Abandoned after 30 minutes idle. SMS (step {}, variant {}) to {}:",
        at(&rt),
        sms.step,
        sms.variant,
        cartback_core::domain::pii::mask(&sms.recipient)
    );
    println!("        \"{}\"", sms.body);

    rt.advance(SignedDuration::from_mins(4)).await;
    let text = "kargo çok pahalı";
    println!("[{}] Ayşe replies: \"{text}\"", at(&rt));
    let reply = InboundReply {
        channel: Channel::Sms,
        from: phone.into(),
        body: text.into(),
        message_id: "SMdemo1".into(),
        sent_at: None,
    };
    let out = rt.engine.replies.on_reply(&store, &reply).await?;
    println!(
        "[{}] Reason recorded: {}; sequence paused; answer ({}):",
        at(&rt),
        out.reason.map_or("-", |r| r.as_str()),
        out.action
    );
    println!("        \"{}\"", out.reply.unwrap_or_default());

    rt.advance(SignedDuration::from_mins(3)).await;
    let token = sms.body.split("/r/").nth(1).and_then(|t| t.split_whitespace().next()).unwrap_or_default().to_string();
    match rt.engine.links.open_link(&token).await? {
        LinkOutcome::Redirect(url) => println!("[{}] She taps the link: 302 → {url}", at(&rt)),
        other => println!("[{}] The link did not open: {other:?}", at(&rt)),
    }

    rt.advance(SignedDuration::from_mins(2)).await;
    let order = json!({"event_id": "evt_demo_2", "type": "order.completed", "occurred_at": rt.now().to_string(), "cart_id": "c_demo",
                       "order": {"order_id": "1001", "total": "42.00", "currency": "EUR"}});
    let ev = parse_event(order.to_string().as_bytes(), &store).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let r = rt.engine.intake.ingest(&store, &ev).await?;
    println!("[{}] Order 1001 completed, 42.00 EUR → cart state `{}`", at(&rt), r.state.as_str());

    rt.advance(SignedDuration::from_hours(72)).await;
    let stats = rt.engine.stats_report("demo").await?;
    println!("[{}] 72 hours later: {} message(s) in total, none after the order.", at(&rt), rt.outbox.count());
    println!(
        "\nStats: {} cart tracked, {} abandoned, {} recovered, revenue {:?} (minor units), reasons {:?}, clicks {}",
        stats.carts_tracked,
        stats.carts_abandoned,
        stats.orders_recovered,
        stats.revenue_recovered,
        stats.reasons,
        stats.clicks
    );

    whatsapp_conversation(&rt).await?;
    catalogue_answers(&rt).await?;
    web_push(&rt).await?;
    branches(&rt).await?;

    // The steps she never needed, as they would have reached her (in her language, tr-TR).
    if let Some(cart) = rt.store.carts_of("demo").into_iter().find(|c| c.id == "c_demo") {
        println!("\nThe later steps, as Ayşe would have received them:");
        let hers = cartback_core::abandonment::conditions::steps_for(&cart, None, &store);
        for step in 1..store.steps.len() as u32 {
            let channel = store.steps[step as usize].channel;
            if cart.customer.address(channel).is_none() {
                continue; // no address of hers on that channel (web push: she never subscribed)
            }
            if !hers.contains(&(step as usize)) {
                continue; // a branch for other carts (a larger one, a returning customer's)
            }
            let link = format!("{}/r/{}", rt.engine.config().public_url, cart.link_token.as_deref().unwrap_or("…"));
            let input =
                ComposeInput { cart: &cart, cfg: &store, step, variant: 0, link: &link, coupon: None, now: rt.now() };
            let d = Delivery {
                channel,
                seq: 0,
                public_url: &rt.engine.config().public_url,
                replies_url: &rt.engine.config().replies_url,
                contact_key: Some("preview"),
                last_whatsapp_inbound_at: None,
                deliver_by: None,
            };
            match compose(&input, &d) {
                Ok(m) => {
                    let subject = m.subject.map(|s| format!(" — subject \"{s}\"")).unwrap_or_default();
                    println!("  {} (step {step}){subject}:", channel.as_str().to_uppercase());
                    for line in m.body.lines() {
                        println!("        {line}");
                    }
                }
                Err(e) => println!("  step {step}: {e}"),
            }
        }
    }
    Ok(())
}

/// Part two: a WhatsApp conversation with a person. Sara (Persian, WhatsApp only) gets the
/// WhatsApp step, asks a product question and for a person; the store's person answers through
/// the conversations API (the HTTP router, in process); she orders.
async fn whatsapp_conversation(rt: &LocalRuntime) -> anyhow::Result<()> {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let store = rt.engine.config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("demo store missing"))?;
    let phone = "+989121234567";
    println!("\nA WhatsApp conversation with a person\n");
    let event = json!({
        "event_id": "evt_demo_fa_1", "type": "cart.updated", "occurred_at": rt.now().to_string(), "cart_id": "c_demo_fa",
        "customer": {"first_name": "سارا", "phone": phone, "locale": "fa-IR", "timezone": "Asia/Tehran",
                     "consent": {"sms": false, "email": false, "whatsapp": true}},
        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/checkouts/c_demo_fa",
                 "items": [{"sku": "JK-2", "name": "Rain jacket", "quantity": 1, "unit_price": "120.00"}]}
    });
    let ev = parse_event(event.to_string().as_bytes(), &store).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    rt.engine.intake.ingest(&store, &ev).await?;
    println!("[{}] Sara (fa-IR, WhatsApp only) leaves a Rain jacket, 120.00 EUR, in her cart.", at(rt));
    rt.advance(SignedDuration::from_hours(73)).await;
    let wa = rt
        .outbox
        .latest()
        .into_iter()
        .find(|m| m.channel == "whatsapp" && m.recipient == phone)
        .ok_or_else(|| anyhow::anyhow!("no WhatsApp message was sent"))?;
    println!(
        "[{}] The WhatsApp step goes out (a template, with \"Complete my order\" and \"Stop promotions\").",
        at(rt)
    );
    println!("        \"{}\"", wa.body);

    rt.advance(SignedDuration::from_mins(10)).await;
    let text = "سلام، این کاپشن ضد آبه؟ سایز L دارید؟ میشه با یه نفر صحبت کنم؟";
    println!("[{}] Sara writes on WhatsApp: \"{text}\"", at(rt));
    let reply = InboundReply {
        channel: Channel::Whatsapp,
        from: phone.into(),
        body: text.into(),
        message_id: "wamid.demo1".into(),
        sent_at: None,
    };
    let out = rt.engine.replies.on_reply(&store, &reply).await?;
    let handoff = rt.alerts.all().into_iter().last().ok_or_else(|| anyhow::anyhow!("no hand-off"))?;
    let id = handoff.conversation.clone().unwrap_or_default();
    println!(
        "[{}] Reason {}, model's guess {}; she asked for a person ({}): conversation {id} opened,",
        at(rt),
        out.reason.map_or("-", |r| r.as_str()),
        handoff.guess,
        handoff.rule
    );
    println!("        the hand-off names it: {}", handoff.inbox_url.unwrap_or_default());
    println!("        her answer: \"{}\"", out.reply.unwrap_or_default());

    rt.advance(SignedDuration::from_mins(6)).await;
    let answer = "سلام سارا! بله، ضد آبه و سایز L موجوده. از همین لینک سفارش بدید.";
    let request = Request::post(format!("/v1/stores/demo/conversations/{id}/messages"))
        .header("authorization", format!("Bearer {}", cartback_core::config::DEMO_API_KEY))
        .header("content-type", "application/json")
        .body(Body::from(json!({"text": answer, "idempotency_key": "demo-1"}).to_string()))?;
    let response = cartback_http::public_router(rt.engine.clone()).oneshot(request).await?;
    println!(
        "[{}] The store's person answers: POST /v1/stores/demo/conversations/{id}/messages → {}",
        at(rt),
        response.status().as_u16()
    );
    let sent = rt.outbox.latest().into_iter().rfind(|m| m.channel == "whatsapp" && m.recipient == phone);
    println!(
        "        WhatsApp, free-form (inside the 24-hour window): \"{}\"",
        sent.map(|m| m.body).unwrap_or_default()
    );

    rt.advance(SignedDuration::from_mins(15)).await;
    let order = json!({"event_id": "evt_demo_fa_2", "type": "order.completed", "occurred_at": rt.now().to_string(),
                       "cart_id": "c_demo_fa", "order": {"order_id": "1002", "total": "120.00", "currency": "EUR"}});
    let ev = parse_event(order.to_string().as_bytes(), &store).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let r = rt.engine.intake.ingest(&store, &ev).await?;
    println!("[{}] Order 1002 completed, 120.00 EUR → cart state `{}`", at(rt), r.state.as_str());
    let stats = rt.engine.stats_report("demo").await?;
    println!("        conversations {:?}, revenue {:?} (minor units)", stats.conversations, stats.revenue_recovered);
    Ok(())
}

/// Part three: answers from the store's catalogue (docs/catalogue.md). The store uploads its
/// products; Nora asks in Norwegian whether her sweater comes in grey and gets the answer with a
/// ready cart, which she completes and later asks where it is (shipped, with its tracking);
/// Emre asks in Turkish about a size's measurements and about delivery; his question about an
/// order Cartback never saw goes to a person.
async fn catalogue_answers(rt: &LocalRuntime) -> anyhow::Result<()> {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let store = rt.engine.config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("demo store missing"))?;
    println!("\nAnswers from the store's catalogue\n");
    let request = Request::put("/v1/stores/demo/catalogue")
        .header("authorization", format!("Bearer {}", cartback_core::config::DEMO_API_KEY))
        .header("content-type", "application/json")
        .body(Body::from(include_str!("../../docs/examples/products.json")))?;
    let response = cartback_http::public_router(rt.engine.clone()).oneshot(request).await?;
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    let summary: serde_json::Value = serde_json::from_slice(&body)?;
    println!(
        "[{}] The store uploads its products (PUT /v1/stores/demo/catalogue → {status}): {} products, {} variants.",
        at(rt),
        summary["products"],
        summary["variants"]
    );

    let ask = |who: &'static str, phone: &'static str, id: &'static str, text: &'static str| {
        let reply = InboundReply {
            channel: Channel::Sms,
            from: phone.into(),
            body: text.into(),
            message_id: id.into(),
            sent_at: None,
        };
        let store = store.clone();
        async move {
            println!("[{}] {who} replies: \"{text}\"", at(rt));
            let out = rt.engine.replies.on_reply(&store, &reply).await?;
            println!("        ({}) \"{}\"", out.action, out.reply.unwrap_or_default());
            anyhow::Ok(())
        }
    };
    let cart = |event: &str, cart: &str, name: &str, phone: &str, locale: &str, sku: &str, item: &str, price: &str| {
        json!({
            "event_id": event, "type": "cart.updated", "occurred_at": rt.now().to_string(), "cart_id": cart,
            "customer": {"first_name": name, "phone": phone, "locale": locale, "timezone": "Europe/Oslo",
                         "consent": {"sms": true, "email": false, "whatsapp": false}},
            "cart": {"currency": "EUR", "checkout_url": format!("https://shop.example/checkouts/{cart}"),
                     "items": [{"sku": sku, "name": item, "quantity": 1, "unit_price": price}]}
        })
    };
    for ev in [
        cart(
            "evt_demo_nb_1",
            "c_demo_nb",
            "Nora",
            "+4791234567",
            "nb-NO",
            "MW-SWT-M-NAV",
            "Merino Crew Sweater",
            "89.00",
        ),
        cart(
            "evt_demo_tr_1",
            "c_demo_tr",
            "Emre",
            "+905551234567",
            "tr-TR",
            "HM-DUV-SGL-NAT",
            "Linen Duvet Cover Set",
            "129.00",
        ),
    ] {
        let ev = parse_event(ev.to_string().as_bytes(), &store).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        rt.engine.intake.ingest(&store, &ev).await?;
    }
    println!(
        "[{}] Nora (nb-NO) leaves a Merino Crew Sweater, M / Navy; Emre (tr-TR) a Linen Duvet Cover Set, Single.",
        at(rt)
    );
    rt.advance(SignedDuration::from_mins(35)).await;
    println!("[{}] Both get their first SMS.", at(rt));
    ask("Nora", "+4791234567", "SMdemo_nb1", "Har dere den i grå?").await?;
    rt.advance(SignedDuration::from_mins(4)).await;
    let order = json!({"event_id": "evt_demo_nb_2", "type": "order.completed", "occurred_at": rt.now().to_string(),
                       "cart_id": "c_demo_nb", "order": {"order_id": "1003", "total": "89.00", "currency": "EUR"}});
    let ev = parse_event(order.to_string().as_bytes(), &store).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let r = rt.engine.intake.ingest(&store, &ev).await?;
    println!(
        "[{}] She taps the cart link, the grey M is in her checkout: order 1003, 89.00 EUR → cart state `{}`",
        at(rt),
        r.state.as_str()
    );
    // The shop ships it: Shopify's `orders/fulfilled`, with the carrier's tracking.
    let fulfilled = json!({
        "id": 1003, "name": "#1003", "order_number": 1003, "financial_status": "paid", "fulfillment_status": "fulfilled",
        "created_at": rt.now().to_string(), "updated_at": (rt.now() + SignedDuration::from_hours(20)).to_string(),
        "phone": "+4791234567",
        "fulfillments": [{"tracking_company": "PostNord", "tracking_number": "70712345",
                          "tracking_url": "https://tracking.example/70712345"}]
    });
    let update = cartback_core::intake::order_progress::from_shopify(&fulfilled).map_err(|f| anyhow::anyhow!("{f}"))?;
    rt.advance(SignedDuration::from_hours(20)).await;
    rt.engine.intake.order_progress(&store, &update).await?;
    println!("[{}] The shop ships it (Shopify orders/fulfilled, PostNord tracking).", at(rt));
    rt.advance(SignedDuration::from_hours(4)).await;
    ask("Nora", "+4791234567", "SMdemo_nb2", "Hvor er pakken min?").await?;
    ask("Emre", "+905551234567", "SMdemo_tr1", "çift kişilik olanın ölçüleri ne?").await?;
    ask("Emre", "+905551234567", "SMdemo_tr2", "şimdi sipariş versem kaç günde gelir?").await?;
    ask("Emre", "+905551234567", "SMdemo_tr3", "geçen ay verdiğim siparişim nerede kaldı?").await?;
    let stats = rt.engine.stats_report("demo").await?;
    println!("        questions {:?}, catalogue {:?}", stats.questions, stats.catalogue);
    Ok(())
}

/// Part four: web push (docs/web-push.md). Mette browses the shop in Norwegian, types nothing,
/// and taps "Notify me about my cart": her browser's subscription reaches Cartback through the
/// snippet's route with the consent. Nobody else could reach her; the fourth step does.
async fn web_push(rt: &LocalRuntime) -> anyhow::Result<()> {
    use axum::body::Body;
    use axum::http::Request;
    use base64::Engine as _;
    use tower::ServiceExt;

    println!("\nWeb push: a shopper who only allowed notifications\n");
    // What a browser's `PushSubscription.toJSON()` holds: its own P-256 key and auth secret.
    let browser_key = cartback_channels::web_push::vapid::VapidKey::generate()?;
    let auth = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand_bytes());
    let subscription = json!({"endpoint": "https://fcm.googleapis.com/fcm/send/demo-mette", "expirationTime": null,
                              "keys": {"p256dh": browser_key.public_base64url(), "auth": auth}});
    let cart_id = "web-demo-mette-0123456789";
    // Late in the evening in Oslo (21:30 UTC is 22:30 there): her step falls due in quiet hours.
    let now = rt.now();
    let wait = (21 * 3600 + 1800 - now.as_second()).rem_euclid(86_400);
    let evening = now + SignedDuration::from_secs(if wait == 0 { 86_400 } else { wait });
    rt.advance(evening - now).await;
    let events = [
        json!({"event_id": "web-demo-push-1", "type": "cart.updated", "cart_id": cart_id,
               "cart": {"currency": "EUR", "checkout_url": "https://shop.example/cart",
                        "items": [{"sku": "HAT", "name": "Winter hat", "quantity": 1, "unit_price": "149.00"}]}}),
        json!({"event_id": "web-demo-push-2", "type": "contact.captured", "cart_id": cart_id,
               "customer": {"push_subscription": subscription, "consent": {"webpush": true},
                            "consent_version": "notify-v1", "locale": "nb-NO", "timezone": "Europe/Oslo"}}),
    ];
    for ev in events {
        let request = Request::post(format!("/v1/collect/demo?key={}", cartback_core::config::DEMO_PUBLISHABLE_KEY))
            .header("origin", "https://shop.example")
            .header("content-type", "text/plain")
            .body(Body::from(ev.to_string()))?;
        let response = cartback_http::public_router(rt.engine.clone()).oneshot(request).await?;
        anyhow::ensure!(response.status().as_u16() == 202, "the snippet's event was refused: {}", response.status());
    }
    println!("[{}] Mette (nb-NO) puts a Winter hat in her cart and taps \"🔔 Notify me about my cart\";", at(rt));
    println!("        her browser asks, she allows, and the snippet sends the subscription (POST /v1/collect/demo).");
    rt.advance(SignedDuration::from_hours(106)).await;
    let push = rt
        .outbox
        .latest()
        .into_iter()
        .find(|m| m.channel == "webpush" && m.cart_id == cart_id)
        .ok_or_else(|| anyhow::anyhow!("no web push was sent"))?;
    let payload: serde_json::Value = serde_json::from_str(push.push_payload.as_deref().unwrap_or("{}"))?;
    let sent = push.sent_at.strftime("%a %H:%M UTC");
    let due = evening + SignedDuration::from_hours(96);
    println!(
        "[{}] Her step is due (96 hours idle), but it is {} in Oslo: quiet hours until 08:00.",
        due.strftime("%a %H:%M UTC"),
        due.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Oslo")?).strftime("%H:%M")
    );
    println!(
        "[{sent}] The SMS, e-mail and WhatsApp steps skip her (no phone, no e-mail); step {} is a notification:",
        push.step
    );
    println!(
        "        \"{}\" — \"{}\"",
        payload["title"].as_str().unwrap_or(""),
        payload["body"].as_str().unwrap_or("")
    );
    println!("        a click opens {}", payload["url"].as_str().unwrap_or(""));
    let stats = rt.engine.stats_report("demo").await?;
    println!("        messages by channel {:?}", stats.messages_by_channel);
    Ok(())
}

/// Part five: sequences that fit the shopper (docs/sequences.md). The demo store's e-mail a day
/// later has two branches (a cart of 200.00 EUR or more gets a person's note instead of the
/// cross-sell), and its WhatsApp three days later two more (free shipping for a first-time
/// buyer only). Lars, a returning customer with a large cart, and Elif, a first-time buyer with
/// a small one, walk the same sequence and get different messages; Elif's cross-sell e-mail
/// recommends three products from the catalogue of part three (docs/recommendations.md).
async fn branches(rt: &LocalRuntime) -> anyhow::Result<()> {
    let store = rt.engine.config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("demo store missing"))?;
    println!("\nSequences that fit the shopper: two branches of the demo store's sequence\n");
    let shoppers = [
        ("c_demo_lars", "Lars", "+447911123456", "en-GB", "Europe/London", 4, "DEMO", "Wool coat", 2, "180.00"),
        (
            "c_demo_elif",
            "Elif",
            "+905321234999",
            "tr-TR",
            "Europe/Istanbul",
            0,
            "SC-WCS-CAM",
            "Wool Cashmere Scarf",
            1,
            "39.00",
        ),
    ];
    let before = rt.engine.stats_report("demo").await?.steps_skipped.get("condition").copied().unwrap_or(0);
    let start = rt.now();
    for (cart, name, phone, locale, zone, orders, sku, item, qty, price) in shoppers {
        let event = json!({
            "event_id": format!("evt_{cart}"), "type": "checkout.started", "occurred_at": start.to_string(), "cart_id": cart,
            "customer": {"first_name": name, "phone": phone, "email": format!("{}@example.com", name.to_lowercase()),
                         "locale": locale, "timezone": zone, "orders_count": orders,
                         "consent": {"sms": false, "email": true, "whatsapp": true}},
            "cart": {"currency": "EUR", "checkout_url": format!("https://shop.example/checkouts/{cart}"),
                     "items": [{"sku": sku, "name": item, "quantity": qty, "unit_price": price}]}
        });
        let ev = parse_event(event.to_string().as_bytes(), &store).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        rt.engine.intake.ingest(&store, &ev).await?;
        let who = if orders == 0 { "a first-time buyer".to_string() } else { format!("{orders} orders before") };
        println!("[{}] {name} ({locale}, {who}) leaves {qty} × {item} at {price} EUR each in the cart.", at(rt));
    }
    rt.advance(SignedDuration::from_hours(80)).await;
    let outbox = rt.outbox.latest();
    for (cart, name, ..) in shoppers {
        println!("  {name}:");
        let mut theirs: Vec<_> = outbox.iter().filter(|m| m.cart_id == cart).collect();
        theirs.sort_by_key(|m| m.sent_at);
        for m in theirs {
            let when = m.sent_at.strftime("%a %H:%M UTC");
            println!("    [{when}] {} (step {}):", m.channel.to_uppercase(), m.step);
            for line in m.body.lines().filter(|l| !l.trim().is_empty()).take(3) {
                println!("        {line}");
            }
            // The products the e-mail recommends, without their tracked links.
            for line in m.body.lines().filter(|l| l.contains("?rec=")) {
                println!(
                    "        recommends {}",
                    line.trim_start_matches("- ").rsplit_once(": ").map_or(line, |(p, _)| p)
                );
            }
        }
    }
    let after = rt.engine.stats_report("demo").await?.steps_skipped.get("condition").copied().unwrap_or(0);
    println!(
        "  Each skipped the branches that were not theirs: {} step(s) counted as steps_skipped.condition.",
        after - before
    );
    Ok(())
}

fn rand_bytes() -> [u8; 16] {
    use cartback_core::ports::RandomSource as _;
    cartback_core::system::OsRandom.bytes16()
}
