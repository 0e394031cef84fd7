//! `cartback shopper export|erase` against a real `cartback serve`: the export is printed (and
//! written with `--out`), the erasure's counts are printed, and errors say what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::DEMO_API_KEY;
use std::process::{Command, Stdio};
use std::time::Duration;

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cartback")).args(args).output().expect("cartback runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[tokio::test]
async fn export_and_erase_from_the_command_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_cartback"))
        .args([
            "serve",
            "--memory",
            "--clock",
            "virtual",
            "--start",
            "2026-11-23T10:00:00Z",
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .env("CARTBACK_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("cartback serve starts");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if http.get(format!("{url}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "cartback serve did not come up");
    let event = include_str!("../../docs/examples/event.json");
    let r = http
        .post(format!("{url}/v1/events"))
        .bearer_auth(DEMO_API_KEY)
        .header("content-type", "application/json")
        .body(event)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);

    let base = ["--url", url.as_str(), "--store", "demo", "--key", DEMO_API_KEY];
    let out = std::env::temp_dir().join(format!("cartback-export-{port}.json"));
    let mut args = vec!["shopper", "export"];
    args.extend(base);
    args.extend(["--email", "a@example.com", "--out", out.to_str().unwrap()]);
    let (ok, _, err) = cli(&args);
    assert!(ok, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["carts"][0]["id"], "c_123");
    let _ = std::fs::remove_file(&out);

    let mut args = vec!["shopper", "erase"];
    args.extend(base);
    args.extend(["--phone", "+905321234567"]);
    let (ok, stdout, err) = cli(&args);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["carts"], 1);

    let mut args = vec!["shopper", "erase"];
    args.extend(base);
    let (ok, _, err) = cli(&args);
    assert!(!ok && err.contains("give --email or --phone"), "{err}");
    let (ok, _, err) = cli(&[
        "shopper",
        "export",
        "--url",
        &url,
        "--store",
        "demo",
        "--key",
        "cbk_wrong_0123456789abcdef",
        "--email",
        "a@example.com",
    ]);
    assert!(!ok && err.contains("401"), "{err}");
    server.kill().unwrap();
    server.wait().unwrap();
}
