// The report page in a real browser: headless Chromium (Debian's) driven by playwright-core
// against `cartback serve --clock virtual` (its URL in CARTBACK_URL). Demo traffic first —
// carts abandoned and messaged, a restore link opened, two orders, a reason given, a STOP, over
// two days — then /report/demo at a phone's size: the key typed once, and every number the page
// shows (the data-metric elements) must equal what the stats API answers. Screenshots of the
// page (phone and desktop) are written to $CARTBACK_SCREENSHOTS (default target/screenshots).
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";

const BASE = process.env.CARTBACK_URL;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = process.env.CARTBACK_SCREENSHOTS || "target/screenshots";
assert.ok(BASE, "set CARTBACK_URL to a running `cartback serve --clock virtual`");
const KEY = "cbk_demo_0123456789abcdef";
const PUBLIC = "http://127.0.0.1:8787";
const TWILIO_TOKEN = "demo_twilio_auth_token";

let passed = 0;
function ok(what) {
  passed += 1;
  console.log(`ok   ${what}`);
}

async function call(path, init) {
  const r = await fetch(BASE + path, init);
  if (!r.ok && r.status !== 302) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r;
}
const authed = { Authorization: `Bearer ${KEY}` };
async function advance(seconds) {
  return (await call("/_local/clock/advance", { method: "POST", body: JSON.stringify({ seconds }) })).json();
}
async function post(event) {
  await call("/v1/events", { method: "POST", headers: { ...authed, "Content-Type": "application/json" }, body: JSON.stringify(event) });
}
function twilioSignature(url, params) {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", TWILIO_TOKEN).update(data).digest("base64");
}
async function reply(from, body, sid) {
  const params = { From: from, Body: body, MessageSid: sid };
  await call("/v1/replies/twilio/demo", {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Twilio-Signature": twilioSignature(`${PUBLIC}/v1/replies/twilio/demo`, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

// Demo traffic: six carts of the example event's shape, each its own shopper.
const example = JSON.parse(await readFile(new URL("../../../docs/examples/event.json", import.meta.url), "utf8"));
let { now } = await advance(0);
const phones = [];
for (let i = 0; i < 6; i++) {
  const phone = `+9053212345${70 + i}`;
  phones.push(phone);
  await post({ ...example, event_id: `rep_e${i}`, cart_id: `rep_c${i}`, occurred_at: now,
    customer: { ...example.customer, id: `rep_cust${i}`, email: `rep${i}@example.com`, phone } });
}
({ now } = await advance(1800));
const outbox = (await (await call("/_local/outbox")).json()).messages.filter((m) => phones.includes(m.recipient));
assert.equal(outbox.length, 6, "each cart got its SMS");
const link = outbox[0].body.match(/\/r\/[A-Za-z0-9_-]{22}/);
assert.ok(link, outbox[0].body);
assert.equal((await fetch(BASE + link[0], { redirect: "manual" })).status, 302);
await reply(phones[1], "The shipping cost was too high for me", "SMrep0001");
await reply(phones[2], "STOP", "SMrep0002");
({ now } = await advance(86400 + 600));
for (const i of [0, 3]) {
  await post({ event_id: `rep_o${i}`, type: "order.completed", occurred_at: now, cart_id: `rep_c${i}`,
    order: { order_id: `rep_${i}`, total: "699.80", currency: "TRY" } });
}
ok("demo traffic: 6 carts messaged, a link opened, a reason, a STOP, 2 orders a day later");

const stats = await (await call("/v1/stores/demo/stats", { headers: authed })).json();
const daily = await (await call("/v1/stores/demo/stats/daily", { headers: authed })).json();

await mkdir(SHOTS, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  const foreign = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("request", (req) => { if (!req.url().startsWith(BASE)) foreign.push(req.url()); });
  await page.goto(BASE + "/report/demo");
  await page.waitForSelector("#login:not([hidden])");
  await page.fill("#key", KEY);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("body[data-loaded=true]");
  ok("the report asks for the store's key once and loads");

  // Every number on the page, against the stats API.
  const shown = await page.$$eval("[data-metric]", (els) => els.map((e) => [e.dataset.metric, Number(e.dataset.value), e.textContent]));
  assert.ok(shown.length >= 12, JSON.stringify(shown));
  const dailyTotal = (cur) => daily.days.reduce((a, d) => a + (d.revenue_recovered[cur] || 0), 0);
  for (const [name, value] of shown) {
    let want;
    if (name.startsWith("daily.revenue_recovered.")) want = dailyTotal(name.split(".")[2]);
    else if (name.startsWith("experiment.")) continue;
    else want = name.split(".").reduce((o, k) => (o == null ? undefined : o[k]), stats) ?? 0;
    assert.equal(value, want, `${name} on the page`);
  }
  const byName = Object.fromEntries(shown.map(([n, v, t]) => [n, [v, t]]));
  for (const k of ["carts_tracked", "carts_abandoned", "carts_messaged", "clicks", "orders_recovered", "revenue_recovered.TRY",
                   "messages_by_channel.sms", "opt_outs.sms", "messages_by_language.tr", "wrong_numbers"]) {
    assert.ok(k in byName, `${k} is not on the page`);
  }
  assert.ok(stats.carts_messaged >= 6 && stats.orders_recovered >= 2 && stats.clicks >= 1, JSON.stringify(stats));
  assert.equal(byName["revenue_recovered.TRY"][1], new Intl.NumberFormat("en", { style: "currency", currency: "TRY" })
    .format(stats.revenue_recovered.TRY / 100));
  ok(`${shown.length} numbers on the page equal the stats API (funnel ${stats.carts_tracked} → ${stats.carts_abandoned} → ${stats.carts_messaged} → ${stats.clicks} clicks → ${stats.orders_recovered})`);

  assert.equal(await page.locator("#revenue-chart svg rect").count(), daily.days.filter((d) => (d.revenue_recovered.TRY || 0) > 0).length);
  assert.equal(await page.locator("#activity-chart svg polyline").count(), 3);
  assert.ok((await page.locator("#reasons").innerText()).length > 0);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width}px wide on a 390px phone`);
  await page.screenshot({ path: `${SHOTS}/report-phone.png`, fullPage: true });
  ok("charts drawn (one revenue bar per day with revenue, three activity lines); fits a phone's width");

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SHOTS}/report-desktop.png`, fullPage: true });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
  const csv = await (await import("node:fs/promises")).readFile(await download.path(), "utf8");
  const rows = csv.trim().split(/\r\n/);
  assert.equal(rows.length, 31, "a header and 30 days");
  const col = rows[0].split(",").indexOf("revenue_recovered_TRY_minor");
  assert.equal(rows.slice(1).reduce((a, r) => a + Number(r.split(",")[col]), 0), dailyTotal("TRY"));
  ok("the CSV export has the same 30 days and revenue");

  assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage)), ["cartback-key-demo"]);
  assert.ok(!page.url().includes(KEY));
  assert.deepEqual(foreign, [], "requests to another origin");
  assert.deepEqual(errors, []);
  ok(`no other origin, no script errors; screenshots in ${SHOTS}/report-phone.png and report-desktop.png`);
} finally {
  await browser.close();
}
console.log(`${passed} passed`);
