//! The durable mode survives kill -9. A real `cartback serve` process on a data directory is
//! killed at random moments — while events arrive and while due messages go out — and
//! restarted, several times; then the run is finished and the database inspected:
//!
//! - every accepted event is there (a client retries what got no answer, with the same id);
//! - every step of every cart still in its sequence was sent exactly once or recorded `unknown`
//!   (a claim whose outcome a crash hid), and no (cart, step) went out twice;
//! - nothing went out after the cart's order or after the shopper's STOP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::{DEMO_API_KEY, DEMO_TWILIO_AUTH_TOKEN};
use cartback_core::domain::{CartStatus, SendStatus};
use cartback_local::LocalStore;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const T0: &str = "2026-11-23T09:00:00Z";
const CARTS: usize = 150;

struct Server {
    child: Child,
    base: String,
    /// Messages the console channel has printed so far: progress seen without asking the
    /// (busy) server anything.
    printed: Arc<AtomicUsize>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(dir: &Path, http: &reqwest::Client) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_cartback"))
        .args(["serve", "--clock", "virtual", "--start", T0, "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir)
        .env("CARTBACK_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cartback starts");
    let printed = Arc::new(AtomicUsize::new(0));
    let mut child = child;
    let out = child.stdout.take().expect("stdout");
    let counter = printed.clone();
    std::thread::spawn(move || {
        use std::io::BufRead;
        // Each message starts with "[time] channel to …"; bodies are indented.
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if line.starts_with('[') && line.contains(" to ") {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if http.get(format!("{base}/_local/clock")).send().await.is_ok() {
            return Server { child, base, printed };
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("cartback serve did not come up");
}

impl Server {
    fn kill9(mut self) {
        // SIGKILL: no shutdown code runs.
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }
}

/// A small deterministic generator for the kill moments (xorshift; seed printed on failure).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn cart_event(i: usize) -> Value {
    json!({
        "event_id": format!("e{i}"), "type": "cart.updated", "occurred_at": T0, "cart_id": format!("c{i}"),
        "customer": {"first_name": "Kari", "phone": format!("+47912{i:05}"), "email": format!("s{i}@example.com"),
                     "timezone": "UTC", "consent": {"sms": true, "email": true, "whatsapp": true}},
        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/c",
                 "items": [{"sku": "A", "name": "Wool sweater", "quantity": 1, "unit_price": "42.00"}]}
    })
}

fn order_event(i: usize, at: &str) -> Value {
    json!({"event_id": format!("o{i}"), "type": "order.completed", "occurred_at": at, "cart_id": format!("c{i}"),
           "order": {"order_id": format!("{i}"), "total": "42.00", "currency": "EUR"}})
}

async fn post_event(http: &reqwest::Client, base: &str, ev: &Value) -> bool {
    let r = http.post(format!("{base}/v1/events")).bearer_auth(DEMO_API_KEY).json(ev).send().await;
    matches!(r, Ok(r) if r.status() == 202)
}

async fn stop_reply(http: &reqwest::Client, base: &str, i: usize) -> bool {
    let params = vec![
        ("Body".to_string(), "STOP".to_string()),
        ("From".to_string(), format!("+47912{i:05}")),
        ("MessageSid".to_string(), format!("SMstop{i}")),
    ];
    let url = "http://127.0.0.1:8787/v1/replies/twilio/demo";
    let sig = cartback_core::conversations::twilio_webhook::signature(DEMO_TWILIO_AUTH_TOKEN, url, &params);
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
    let r = http
        .post(format!("{base}/v1/replies/twilio/demo"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", sig)
        .body(body)
        .send()
        .await;
    matches!(r, Ok(r) if r.status() == 200)
}

async fn now(http: &reqwest::Client, base: &str) -> jiff::Timestamp {
    let v: Value = http.get(format!("{base}/_local/clock")).send().await.unwrap().json().await.unwrap();
    v["now"].as_str().unwrap().parse().unwrap()
}

/// Moves the virtual clock to `target` (the server may have resumed anywhere before it).
async fn advance_to(http: &reqwest::Client, base: &str, target: jiff::Timestamp) -> bool {
    let secs = target.duration_since(now(http, base).await).as_secs().max(0);
    let r = http.post(format!("{base}/_local/clock/advance")).json(&json!({"seconds": secs})).send().await;
    matches!(r, Ok(r) if r.status() == 200)
}

async fn outbox_len(http: &reqwest::Client, base: &str) -> usize {
    let r = http.get(format!("{base}/_local/outbox")).send().await;
    match r {
        Ok(r) => r.json::<Value>().await.map_or(0, |v| v["messages"].as_array().map_or(0, Vec::len)),
        Err(_) => 0,
    }
}

/// Starts a server, moves its clock to `target`, and kills it as soon as `more` further
/// messages are in the outbox — in the middle of the sends. Returns whether the advance
/// finished before that.
async fn advance_and_kill(dir: &Path, http: &reqwest::Client, target: jiff::Timestamp, more: usize) -> bool {
    let server = start(dir, http).await;
    let before = outbox_len(http, &server.base).await;
    let printed = server.printed.clone();
    let work = {
        let (http, base) = (http.clone(), server.base.clone());
        tokio::spawn(async move { advance_to(&http, &base, target).await })
    };
    let finished = loop {
        if work.is_finished() {
            break true;
        }
        if printed.load(Ordering::SeqCst) >= more {
            break false;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    };
    server.kill9();
    let _ = work.await;
    eprintln!(
        "advance to {target}: {before} messages before, killed after {} more; finished {finished}",
        printed.load(Ordering::SeqCst)
    );
    finished
}

fn data_dir() -> PathBuf {
    // On the build's disk rather than a tmpfs, so commits really are fsynced.
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cartback-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_at_random_moments_loses_nothing_and_sends_nothing_twice() {
    let seed = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_cafe_u64);
    eprintln!("crash test seed {seed} (CRASH_SEED to replay)");
    let mut rng = Rng(seed);
    let dir = data_dir();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let t0: jiff::Timestamp = T0.parse().unwrap();
    let at = |mins: i64| t0 + jiff::SignedDuration::from_mins(mins);

    // 1. Carts arrive; the process dies mid-batch twice. A client resends whatever got no 202.
    let mut accepted = [false; CARTS];
    let mut kills = 0;
    for round in 0..3 {
        let pending: Vec<usize> = (0..CARTS).filter(|i| !accepted[*i]).collect();
        let server = start(&dir, &http).await;
        let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let poster = {
            let (http, base, got) = (http.clone(), server.base.clone(), got.clone());
            let pending = pending.clone();
            tokio::spawn(async move {
                for i in pending {
                    if post_event(&http, &base, &cart_event(i)).await {
                        got.lock().unwrap().push(i);
                    }
                }
            })
        };
        // Kill once a random share of the batch is acknowledged: the next post is in flight.
        let kill_at = if round == 2 { usize::MAX } else { 1 + rng.below(pending.len() as u64 - 1) as usize };
        while !poster.is_finished() && got.lock().unwrap().len() < kill_at {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        server.kill9();
        let _ = poster.await;
        for i in got.lock().unwrap().iter() {
            accepted[*i] = true;
        }
        kills += 1;
    }
    assert!(accepted.iter().all(|a| *a), "some events were never accepted");

    // 2. Step 0 (SMS at +30 min) falls due; killed after every few sends until all are out.
    let mut interrupted = 0;
    for _ in 0..40 {
        kills += 1;
        if advance_and_kill(&dir, &http, at(35), 1 + rng.below(8) as usize).await {
            break;
        }
        interrupted += 1;
    }

    // 3. Orders for c0..c9 and STOP from c10..c14, at +40 min; acknowledged or resent.
    let server = start(&dir, &http).await;
    assert!(advance_to(&http, &server.base, at(40)).await);
    for i in 0..10 {
        assert!(post_event(&http, &server.base, &order_event(i, &at(40).to_string())).await);
    }
    for i in 10..15 {
        assert!(stop_reply(&http, &server.base, i).await);
    }
    server.kill9();
    kills += 1;

    // 4. The e-mail (+24 h) and WhatsApp (+72 h) steps, killed the same way.
    for target in [at(24 * 60 + 5), at(72 * 60 + 5)] {
        for _ in 0..40 {
            kills += 1;
            if advance_and_kill(&dir, &http, target, 1 + rng.below(12) as usize).await {
                break;
            }
            interrupted += 1;
        }
    }

    // 5. Finish without interference, then stop and inspect the file.
    let server = start(&dir, &http).await;
    assert!(advance_to(&http, &server.base, at(80 * 60)).await);
    let outbox: Value = http.get(format!("{}/_local/outbox", server.base)).send().await.unwrap().json().await.unwrap();
    server.kill9();
    eprintln!("{kills} kills, {interrupted} of them in the middle of sending");
    assert!(interrupted >= 10, "the kills missed the sends; the test proved nothing");

    let db = cartback_sqlite::Database::open(&dir, cartback_sqlite::Sync::Normal).unwrap();
    let store = cartback_sqlite::SqliteStore::new(db);
    let carts: HashMap<String, cartback_core::domain::Cart> =
        store.carts_of("demo").into_iter().map(|c| (c.id.clone(), c)).collect();
    assert_eq!(carts.len(), CARTS, "an accepted cart event was lost");

    let mut sent: HashMap<(String, u32), Vec<jiff::Timestamp>> = HashMap::new();
    for m in outbox["messages"].as_array().unwrap() {
        let key = (m["cart_id"].as_str().unwrap().to_string(), m["step"].as_u64().unwrap() as u32);
        sent.entry(key).or_default().push(m["sent_at"].as_str().unwrap().parse().unwrap());
    }
    for ((cart, step), times) in &sent {
        assert_eq!(times.len(), 1, "{cart} step {step} went out {} times", times.len());
    }
    let (mut unknown, mut delivered) = (0, 0);
    for i in 0..CARTS {
        let c = &carts[&format!("c{i}")];
        let ordered = i < 10;
        let stopped = (10..15).contains(&i);
        if ordered {
            assert!(matches!(c.status, CartStatus::Recovered | CartStatus::Converted), "order of c{i} lost");
        }
        for step in 0..3u32 {
            let record = c.sends.iter().find(|s| s.step == step);
            let out = sent.get(&(c.id.clone(), step)).map_or(0, Vec::len);
            match record.map(|r| r.status) {
                Some(SendStatus::Sent) => {
                    assert_eq!(out, 1, "c{i} step {step} claimed as sent but not in the outbox");
                    delivered += 1;
                }
                Some(SendStatus::Unknown) => unknown += 1,
                Some(SendStatus::Skipped | SendStatus::Failed) | None => {
                    assert_eq!(out, 0, "c{i} step {step} went out without a claim")
                }
            }
            if let Some(t) = sent.get(&(c.id.clone(), step)).and_then(|v| v.first()) {
                assert!(!(ordered || stopped) || *t <= at(40), "c{i} got step {step} at {t}, after its order/STOP");
            }
            // Carts still in their sequence had every step done, one way or the other.
            if !ordered && !stopped {
                assert!(record.is_some(), "c{i} step {step} was due and never handled");
            }
        }
    }
    eprintln!("{delivered} sends confirmed, {unknown} marked unknown by a crash");
    assert!(delivered > CARTS, "too little was sent to mean anything: {delivered}");
    let _ = std::fs::remove_dir_all(&dir);
}
