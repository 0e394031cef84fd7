// The tab nudge (docs/on-site.md) in headless Chromium against `cartback serve` (CARTBACK_URL):
// the snippet reads the store's on-site settings only once a cart has items; while the shopper is
// on another tab the title says the cart is waiting, in the page's language, and comes back on
// return; an empty cart never changes it.
//
// The tab switch is simulated: headless Chromium keeps every page `visible` whatever tab is in
// front (bringToFront, Target.activateTarget, a minimized window and headful Chromium under Xvfb
// were tried; none reports `hidden`), so the test sets `document.visibilityState` and fires the
// `visibilitychange` event the browser would.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const BASE = process.env.CARTBACK_URL;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
assert.ok(BASE, "set CARTBACK_URL to a running `cartback serve`");

let passed = 0;
function ok(what) {
  passed += 1;
  console.log(`ok   ${what}`);
}

async function away(page, hidden) {
  await page.evaluate((h) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (h ? "hidden" : "visible") });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ locale: "tr-TR" });
  const asked = [];
  context.on("request", (req) => { if (req.url().includes("/v1/on-site/")) asked.push(req.url()); });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The demo shop's snippet has `data-offer` (its store has an exit-intent offer): the settings
  // are read once at load, for the offer; a shop without an offer reads them with its first cart.
  const loaded = page.waitForResponse((r) => r.url().includes("/v1/on-site/") && r.status() === 200);
  await page.goto(BASE + "/demo-shop");
  await page.waitForFunction(() => !!window.Cartback);
  const title = await page.title();
  await loaded;
  await away(page, true);
  assert.equal(await page.title(), title);
  await away(page, false);
  ok("no cart: the title stays");

  await page.click("#add-sweater");
  await page.waitForFunction(() => document.getElementById("cart-summary").textContent.includes("Wool sweater"));
  await away(page, true);
  assert.equal(await page.title(), "🛒 Your cart is waiting");
  await away(page, false);
  assert.equal(await page.title(), title);
  ok("a cart: on another tab the title says so in the page's language (en), restored on return");

  // A page in Norwegian; then a page without a language, read in the browser's (tr-TR).
  await page.evaluate(() => { document.documentElement.lang = "nb-NO"; });
  await away(page, true);
  assert.equal(await page.title(), "🛒 Handlekurven din venter");
  await away(page, false);
  await page.evaluate(() => { document.documentElement.removeAttribute("lang"); });
  await away(page, true);
  assert.equal(await page.title(), "🛒 Sepetin seni bekliyor");
  await away(page, false);
  assert.equal(await page.title(), title);
  await page.click("#add-hat");
  await away(page, true);
  await away(page, false);
  assert.equal(asked.length, 1, `the settings are read once a page: ${asked.length}`);
  assert.deepEqual(errors, []);
  ok("the page's language first (nb), else the browser's (tr); the settings read once a page");

  // The cart emptied: no nudge.
  await page.evaluate(() => window.Cartback.cart({ currency: "EUR", checkout_url: location.href, items: [] }));
  await away(page, true);
  assert.equal(await page.title(), title);
  await away(page, false);
  ok("an emptied cart: no nudge");
} finally {
  await browser.close();
}
console.log(`${passed} passed, 0 failed`);
