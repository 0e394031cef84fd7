// The inbox page in a real browser: headless Chromium (Debian's) driven by playwright-core
// against `cartback serve --clock virtual` (its URL in CARTBACK_URL). A shopper messaged about a
// cart asks for a person by SMS (signed as Twilio signs); the merchant's person opens
// /inbox/demo, types the store's key once, opens the conversation, and answers; the answer must
// be in the outbox, and the shopper's text must be shown as text, never as HTML.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";

const BASE = process.env.CARTBACK_URL;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
assert.ok(BASE, "set CARTBACK_URL to a running `cartback serve --clock virtual`");
const KEY = "cbk_demo_0123456789abcdef";
// The demo store's public_url and Twilio token: what Twilio's signature covers.
const PUBLIC = "http://127.0.0.1:8787";
const TWILIO_TOKEN = "demo_twilio_auth_token";
const FROM = "+905321234567";
// A right-to-left override would make "gpj.exe" read "exe.jpg": shown as what it is, not obeyed.
const REPLY = 'Can I talk to a real person about the size? <img src=x onerror="window.pwned=1"> \u202Egpj.exe';
const ANSWER = "Hi Ayşe, size M fits you. It ships tomorrow.";

let passed = 0;
function ok(what) {
  passed += 1;
  console.log(`ok   ${what}`);
}

async function call(path, init) {
  const r = await fetch(BASE + path, init);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r;
}

// Twilio's X-Twilio-Signature: HMAC-SHA1 over the URL and the sorted parameters, base64.
function twilioSignature(url, params) {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", TWILIO_TOKEN).update(data).digest("base64");
}

// The documented example event, happening now on the server's clock: the tests before this one
// moved the clock on by days, and a cart seen days ago gets no SMS (sms_after_48h).
const now = (await (await call("/_local/clock")).json()).now;
const event = JSON.stringify({
  ...JSON.parse(await readFile(new URL("../../../docs/examples/event.json", import.meta.url), "utf8")),
  occurred_at: now,
});
await call("/v1/events", {
  method: "POST",
  headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
  body: event,
});
// The store's catalogue lists the cart's item (variant 111, SKU A1): the inbox can show it and
// send a ready cart.
const catalogue = { products: [{ id: 11, title: "Kazak", handle: "kazak", options: [{ name: "Size" }],
  variants: [{ id: 111, title: "M", option1: "M", sku: "A1", price: "30.00", available: true }] }] };
await call("/v1/stores/demo/catalogue", {
  method: "PUT",
  headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
  body: JSON.stringify(catalogue),
});
await call("/_local/clock/advance", { method: "POST", body: JSON.stringify({ seconds: 1800 }) });
const params = { From: FROM, Body: REPLY, MessageSid: "SMinbox0001" };
await call("/v1/replies/twilio/demo", {
  method: "POST",
  headers: {
    "Content-Type": "application/x-www-form-urlencoded",
    "X-Twilio-Signature": twilioSignature(`${PUBLIC}/v1/replies/twilio/demo`, params),
  },
  body: new URLSearchParams(params).toString(),
});
ok("a shopper asked for a person by SMS (signed as Twilio signs)");

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  const foreign = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (req) => { if (!req.url().startsWith(BASE)) foreign.push(req.url()); });
  await page.goto(BASE + "/inbox/demo");
  await page.waitForSelector("#login:not([hidden])");
  ok("the inbox asks for the store's key");

  await page.fill("#key", KEY);
  await page.click("#login button[type=submit]");
  const item = page.locator("#list button").first();
  await item.waitFor();
  assert.match(await item.innerText(), /\+905\*+67 · sms/);
  ok("the open conversation is listed, the shopper's number masked");

  await item.click();
  await page.waitForSelector("#conversation:not([hidden])");
  const transcript = page.locator("#transcript");
  await page.waitForFunction(() => document.querySelectorAll("#transcript .msg").length >= 2);
  assert.ok((await transcript.innerText()).includes("talk to a real person"));
  assert.ok((await transcript.innerText()).includes("[U+202E]gpj.exe"), await transcript.innerText());
  assert.ok(!(await transcript.innerText()).includes("\u202E"), "a direction override reached the page");
  assert.equal(await page.locator("#transcript img").count(), 0, "the shopper's text became HTML");
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.match(await page.locator("#details").innerText(), /handed off: asked_for_person/);
  ok("the transcript shows the shopper's text as text, with why it was handed off");

  // How the reply was read, who decided, and the person's correction (docs/replies.md).
  const readingLine = page.locator("#transcript .msg.shopper .reading").first();
  assert.match(await readingLine.innerText(), /Read as \w+ by (model|rules|caution|keyword)/);
  await readingLine.locator("select").selectOption("product_question");
  await readingLine.locator("button").click();
  await page.waitForFunction(() => /Consent: unchanged/.test(document.querySelector("#status").innerText));
  assert.match(await page.locator("#transcript").innerText(), /corrected to product_question/);
  ok("the reading is shown with who decided, and a person's correction is kept");

  await page.fill("#text", ANSWER);
  await page.click("#send");
  await page.waitForFunction(() => document.querySelectorAll("#transcript .msg.agent").length === 1);
  ok("the answer appears in the transcript");

  const outbox = await (await call("/_local/outbox")).json();
  const answers = outbox.messages.filter((m) => m.variant === "agent");
  assert.equal(answers.length, 1, JSON.stringify(outbox));
  assert.equal(answers[0].body, ANSWER);
  assert.equal(answers[0].recipient, FROM);
  assert.equal(answers[0].channel, "sms");
  ok("the answer reached the outbox once, by SMS to the shopper");

  // Beside the transcript: the cart as the catalogue knows it, and the ready cart sent in one
  // action, in the shopper's language, once.
  await page.waitForSelector("#context:not([hidden])");
  assert.match(await page.locator("#ctx-cart").innerText(), /2 × Kazak \(A1\)/);
  assert.match(await page.locator("#ctx-products").innerText(), /Kazak/);
  const link = await page.locator("#ctx-link").innerText();
  assert.match(link, /^https:\/\/shop\.example\/cart\/111:2/);
  await page.click("#ready");
  await page.waitForFunction(() => document.querySelectorAll("#transcript .msg.agent").length === 2);
  const after = (await (await call("/_local/outbox")).json()).messages.filter((m) => m.variant === "agent");
  assert.equal(after.length, 2, JSON.stringify(after));
  assert.equal(after[1].body, `Sepetiniz hazır: ${link}`);
  ok("the cart and its catalogue entry are shown beside the transcript; the ready cart is sent once, in Turkish");

  const stored = await page.evaluate(() => Object.keys(sessionStorage));
  assert.deepEqual(stored, ["cartback-key-demo"]);
  assert.ok(!page.url().includes(KEY));
  assert.deepEqual(foreign, [], "requests to another origin");
  assert.deepEqual(errors, []);
  ok("the key stays in the tab's session storage; no other origin, no script errors");
} finally {
  await browser.close();
}
console.log(`${passed} passed`);
