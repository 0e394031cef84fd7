// Web push (docs/web-push.md) in headless Chromium against `cartback serve --clock virtual`
// (CARTBACK_URL): the demo shop never asks for permission on load; the shopper's click asks, the
// subscription reaches Cartback with its consent; the push step of the demo store's sequence
// produces the notification's document; delivered to the service worker through the DevTools
// protocol (`ServiceWorker.deliverPushMessage`), it shows the notification in the shopper's
// language, and its click opens the restore link, which brings the cart back.
//
// One thing is stood in for: `PushManager.subscribe`. Chromium subscribes through its vendor's
// push service (FCM) over the internet, which this machine cannot reach, so the test answers the
// call with a subscription shaped as Chromium's (`toJSON()`), its keys made with node:crypto —
// after checking the snippet passed the store's VAPID key as `applicationServerKey`. The
// permission, the service worker, the push event, the notification and its click are Chromium's.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

const BASE = process.env.CARTBACK_URL;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
assert.ok(BASE, "set CARTBACK_URL to a running `cartback serve --clock virtual`");

const example = readFileSync(new URL("../../../docs/cartback.example.toml", import.meta.url), "utf8");
const VAPID_PUBLIC = example.match(/^vapid_public_key = "([^"]+)"/m)[1];

const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const jwk = publicKey.export({ format: "jwk" });
const P256DH = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]);
const SUBSCRIPTION = {
  endpoint: "https://fcm.googleapis.com/fcm/send/cartback-chromium-test:" + randomBytes(12).toString("base64url"),
  expirationTime: null,
  keys: { p256dh: P256DH.toString("base64url"), auth: randomBytes(16).toString("base64url") },
};

async function json(path, init) {
  const r = await fetch(BASE + path, init);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}
const advance = (seconds) => json("/_local/clock/advance", { method: "POST", body: JSON.stringify({ seconds }) });

let passed = 0;
function ok(what) {
  passed += 1;
  console.log(`ok   ${what}`);
}

// Before any script of the page: every permission request is recorded with whether the page had
// a user gesture at that moment, and `subscribe` is answered as described above.
function spies(sub) {
  window.__asked = [];
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = function () {
    window.__asked.push({ gesture: navigator.userActivation.isActive });
    return ask();
  };
  PushManager.prototype.subscribe = function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__subscribed = { userVisibleOnly: options.userVisibleOnly, key: btoa(String.fromCharCode(...key)) };
    return Promise.resolve({ endpoint: sub.endpoint, toJSON: () => sub });
  };
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  // ---- a shopper who never clicks: nothing is asked
  const quiet = await browser.newContext();
  await quiet.addInitScript(spies, SUBSCRIPTION);
  const q = await quiet.newPage();
  await q.goto(BASE + "/demo-shop");
  await q.waitForFunction(() => !!window.Cartback);
  await q.click("#add-sweater");
  await q.waitForTimeout(1000);
  assert.deepEqual(await q.evaluate(() => window.__asked), []);
  assert.equal(await q.evaluate(() => Notification.permission), "default");
  assert.equal(await q.evaluate(() => navigator.serviceWorker.controller), null);
  ok("no permission asked and no worker registered on load or with a cart");
  // The shopper clicks but does not allow (headless Chromium answers the prompt itself):
  // nothing is subscribed and nothing leaves the page.
  const pushed = [];
  quiet.on("request", (req) => { if ((req.postData() || "").includes("push_subscription")) pushed.push(req.url()); });
  await q.evaluate(() => {
    document.getElementById("notify").addEventListener("click", () => {
      Cartback.push("notify-v1").then((r) => { window.__answer = r; });
    }, { once: true });
  });
  await q.click("#notify");
  await q.waitForFunction(() => window.__answer !== undefined, null, { timeout: 10000 });
  assert.equal(await q.evaluate(() => window.__answer), "denied");
  assert.ok((await q.evaluate(() => window.__asked)).every((a) => a.gesture), "asked only with the click");
  await q.waitForTimeout(500);
  assert.deepEqual(pushed, []);
  ok("a click the shopper does not allow: \"denied\", nothing subscribed, nothing sent");
  await quiet.close();

  // ---- a shopper who clicks "Notify me" and allows
  const context = await browser.newContext({ locale: "nb-NO" });
  await context.grantPermissions(["notifications"], { origin: BASE });
  await context.addInitScript(spies, SUBSCRIPTION);
  const collected = [];
  context.on("request", (req) => {
    if (req.url().includes("/v1/collect/")) collected.push(req.postData() || "");
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(BASE + "/demo-shop");
  await page.evaluate(() => { document.documentElement.lang = "nb"; });
  await page.waitForFunction(() => !!window.Cartback);
  await page.click("#add-sweater");
  const subscribed = page.waitForResponse((r) => r.url().includes("/v1/collect/") && r.request().postData()?.includes("push_subscription"));
  await page.click("#notify");
  assert.equal((await subscribed).status(), 202);
  const asked = await page.evaluate(() => window.__asked);
  assert.deepEqual(asked, [{ gesture: true }], JSON.stringify(asked));
  const sub = await page.evaluate(() => window.__subscribed);
  assert.equal(sub.userVisibleOnly, true);
  assert.equal(sub.key, Buffer.from(VAPID_PUBLIC, "base64url").toString("base64"), "subscribed with the store's VAPID key");
  const sent = JSON.parse(collected.find((b) => b.includes("push_subscription")));
  assert.equal(sent.type, "contact.captured");
  assert.deepEqual(sent.customer.push_subscription, SUBSCRIPTION);
  assert.deepEqual(sent.customer.consent, { webpush: true });
  assert.equal(sent.customer.consent_version, "notify-v1");
  assert.equal(sent.customer.locale, "nb");
  ok("the click asks (with the gesture), subscribes with the store's key and sends the subscription with its consent");

  // The worker is Cartback's, registered for the whole site.
  const worker = context.serviceWorkers()[0] || (await context.waitForEvent("serviceworker"));
  assert.ok(worker.url().endsWith("/v1/push/sw.js"), worker.url());

  // ---- the sequence: the push step (the demo store's fourth, 96 hours out) is the only message
  const cartId = await page.evaluate(() => Cartback.cartId());
  await advance(97 * 3600);
  const { messages } = await json("/_local/outbox");
  const mine = messages.filter((m) => m.cart_id === cartId);
  assert.deepEqual(mine.map((m) => m.channel), ["webpush"], JSON.stringify(mine));
  const payload = JSON.parse(mine[0].push_payload);
  assert.equal(payload.title, "Demo Shop: handlekurven din venter");
  assert.ok(payload.body.startsWith("Handlekurven din venter fortsatt (349,00"), payload.body);
  assert.match(payload.url, /\/r\/[A-Za-z0-9_-]{22}$/);
  ok("97 hours later the push step is the cart's one message (the other three have no address), in Norwegian");

  // ---- delivered to the worker through the DevTools protocol: the notification shows
  const cdp = await context.newCDPSession(page);
  const registered = new Promise((resolve) => cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => {
    const r = e.registrations.find((x) => x.scopeURL === BASE + "/" && !x.isDeleted);
    if (r) resolve(r.registrationId);
  }));
  await cdp.send("ServiceWorker.enable");
  const registrationId = await registered;
  await cdp.send("ServiceWorker.deliverPushMessage", { origin: BASE, registrationId, data: mine[0].push_payload });
  const shown = async () => worker.evaluate(async () => (await self.registration.getNotifications())
    .map((n) => ({ title: n.title, body: n.body, lang: n.lang, tag: n.tag, url: n.data && n.data.url })));
  let notes = [];
  for (let i = 0; i < 50 && notes.length === 0; i++) {
    notes = await shown();
    if (!notes.length) await page.waitForTimeout(100);
  }
  assert.equal(notes.length, 1, JSON.stringify(notes));
  assert.deepEqual(notes[0], { title: payload.title, body: payload.body, lang: payload.lang || "", tag: payload.tag,
                               url: payload.url });
  // The same cart's next push replaces it (one tag a cart); a push that is not Cartback's document shows nothing.
  await cdp.send("ServiceWorker.deliverPushMessage", { origin: BASE, registrationId, data: mine[0].push_payload });
  await cdp.send("ServiceWorker.deliverPushMessage", { origin: BASE, registrationId, data: "not json" });
  await page.waitForTimeout(500);
  assert.equal((await shown()).length, 1);
  ok("a delivered push shows the notification with the message's title, text and language; one a cart");

  // ---- the click: Chromium's notificationclick runs the worker's handler, which opens the link
  const opened = await worker.evaluate(async () => {
    const [n] = await self.registration.getNotifications();
    let url = null;
    self.clients.openWindow = (u) => { url = u; return Promise.resolve(null); };
    self.clients.matchAll = () => Promise.resolve([]);
    const done = [];
    const e = new NotificationEvent("notificationclick", { notification: n });
    e.waitUntil = (p) => done.push(p);
    self.dispatchEvent(e);
    await Promise.all(done);
    return { url, left: (await self.registration.getNotifications()).length };
  });
  assert.equal(opened.url, payload.url);
  assert.equal(opened.left, 0, "the clicked notification is closed");
  const link = new URL(opened.url);
  const back = await context.newPage();
  await back.goto(BASE + link.pathname);
  assert.ok(back.url().startsWith(BASE + "/demo-shop"), back.url());
  assert.deepEqual(errors, []);
  ok("its click opens the restore link, which brings the shopper back to the shop");
} finally {
  await browser.close();
}
console.log(`${passed} passed, 0 failed`);
