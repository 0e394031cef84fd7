// The exit-intent offer (docs/on-site.md) in headless Chromium against `cartback serve`
// (CARTBACK_URL), on the demo shop, whose store offers 10 % (A) or 15 % (B) for an e-mail address:
// never before the page is ready and the delay has passed; shown when the pointer leaves through
// the top; accessible (axe-core finds no violation; focus moved in, kept in with Tab, Escape
// closes and gives it back) and nothing on the page moves (a layout-shift observer reads 0);
// dismissed, it does not come back; the code only with the consent ticked; the code works
// (the merchant's coupon API), the consent is in the ledger with its version and language; a
// shopper who gave an address never sees it; on a phone, a quick scroll back up shows it.
import { chromium, devices } from "playwright-core";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const BASE = process.env.CARTBACK_URL;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
assert.ok(BASE, "set CARTBACK_URL to a running `cartback serve`");
const KEY = "cbk_demo_0123456789abcdef";
const AXE = readFileSync(new URL("../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");

let passed = 0;
function ok(what) {
  passed += 1;
  console.log(`ok   ${what}`);
}
async function api(path) {
  const r = await fetch(BASE + path, { headers: { authorization: `Bearer ${KEY}` } });
  return [r.status, await r.json()];
}

// Layout shifts from the first paint on, as Chromium measures them (the CLS input).
function watchShifts() {
  window.__shift = 0;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })
    .observe({ type: "layout-shift", buffered: true });
}

async function leave(page) {
  // The pointer goes up and out through the top edge, toward the tabs.
  await page.mouse.move(400, 200);
  await page.mouse.move(400, 5, { steps: 4 });
  await page.mouse.move(400, -20, { steps: 2 });
}
const dialog = (page) => page.locator("[role=dialog]");

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  // ---- desktop: not before the delay; then exit intent; axe; no shift; focus; Escape; not again
  const ctx = await browser.newContext({ locale: "en-US" });
  await ctx.addInitScript(watchShifts);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const offerScript = page.waitForResponse((r) => r.url().endsWith("/v1/offer.js") && r.status() === 200);
  await page.goto(BASE + "/demo-shop");
  await offerScript;
  await page.focus("#first-name");
  await leave(page);
  await page.waitForTimeout(300);
  assert.equal(await dialog(page).count(), 0, "shown before the delay");
  await page.waitForTimeout(5000);
  await leave(page);
  await dialog(page).waitFor();
  const variant = await page.evaluate(() => localStorage.getItem("cartback_offer_demo_variant"));
  assert.ok(["A", "B"].includes(variant), variant);
  const title = await page.locator("#cb-offer-title").innerText();
  assert.equal(title, `Before you go: ${variant === "A" ? "10" : "15"}% off`);
  ok(`not before the page is ready and 5 s have passed; then the pointer leaving shows it (variant ${variant}: "${title}")`);

  await page.addScriptTag({ content: AXE });
  const axe = await page.evaluate(async () => {
    const r = await window.axe.run(document.querySelector("[data-cartback-offer]"));
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(axe, [], axe.join("\n"));
  assert.equal(await page.evaluate(() => window.__shift), 0, "the page moved");
  assert.equal(await page.evaluate(() => document.activeElement.id), "cb-offer-field");
  for (let i = 0; i < 6; i++) await page.keyboard.press("Tab");
  assert.ok(await page.evaluate(() => document.querySelector("[role=dialog]").contains(document.activeElement)), "focus left the dialog");
  await page.keyboard.press("Shift+Tab");
  assert.ok(await page.evaluate(() => document.querySelector("[role=dialog]").contains(document.activeElement)));
  ok("axe-core: no violation; layout shift 0; focus moved in and kept there (Tab, Shift+Tab)");

  await page.keyboard.press("Escape");
  assert.equal(await dialog(page).count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement.id), "first-name", "focus given back");
  await page.reload();
  await page.waitForTimeout(5500);
  await leave(page);
  await page.waitForTimeout(500);
  assert.equal(await dialog(page).count(), 0, "shown again after a dismissal");
  assert.deepEqual(errors, []);
  ok("Escape closes it and gives focus back; after a reload it does not come back (dismissed: once in 30 days)");
  await ctx.close();

  // ---- a shopper who takes it (Norwegian page): consent required, the code, the ledger
  const buyer = await browser.newContext({ locale: "nb-NO" });
  const p = await buyer.newPage();
  await p.goto(BASE + "/demo-shop");
  await p.evaluate(() => { document.documentElement.lang = "nb"; });
  await p.waitForTimeout(5500);
  await leave(p);
  await dialog(p).waitFor();
  const v = await p.evaluate(() => localStorage.getItem("cartback_offer_demo_variant"));
  assert.equal(await p.locator("#cb-offer-title").innerText(), `Før du går: ${v === "A" ? "10" : "15"} % rabatt`);
  await p.fill("#cb-offer-field", "nora@example.com");
  const claims = [];
  p.on("request", (r) => { if (r.url().includes("/offer?") && (r.postData() || "").includes("claim")) claims.push(r.postData()); });
  await p.click("[role=dialog] button[type=submit]");
  await p.waitForTimeout(500);
  assert.equal(claims.length, 0, "claimed without the consent ticked");
  await p.check("#cb-offer-consent");
  const given = p.waitForResponse((r) => r.url().includes("/offer?") && r.request().postData().includes("claim"));
  await p.click("[role=dialog] button[type=submit]");
  const answer = await (await given).json();
  assert.equal(answer.status, "given", JSON.stringify(answer));
  assert.match(answer.code, /^CB-[0-9A-Z]{12}$/);
  await p.locator(`text=${answer.code}`).waitFor();
  const [st, coupon] = await api(`/v1/stores/demo/coupons/${answer.code}`);
  assert.equal(st, 200);
  assert.deepEqual([coupon.status, coupon.kind, coupon.percent], ["valid", "percent_off", v === "A" ? 10 : 15]);
  const [, consent] = await api("/v1/stores/demo/consent?email=nora%40example.com");
  const yes = (consent.cart_changes || []).find((c) => c.channel === "email" && c.granted);
  assert.ok(yes, JSON.stringify(consent));
  assert.equal(yes.text_version, "offer-2026-12 (nb)");
  ok(`the code only with the consent ticked; given (${answer.code}, ${v === "A" ? 10 : 15} % in the coupon API); the yes in the ledger as "offer-2026-12 (nb)"`);

  await p.keyboard.press("Escape");
  await p.reload();
  await p.waitForTimeout(5500);
  await leave(p);
  await p.waitForTimeout(500);
  assert.equal(await dialog(p).count(), 0);
  ok("a shopper who gave an address does not see it again");
  await buyer.close();

  // ---- a phone: a quick scroll back up after reading down the page
  const phone = await browser.newContext({ ...devices["Pixel 7"], locale: "en-US" });
  const m = await phone.newPage();
  await m.goto(BASE + "/demo-shop");
  await m.evaluate(() => { document.body.style.minHeight = "4000px"; });
  await m.waitForTimeout(5500);
  await m.evaluate(() => window.scrollTo(0, 1500));
  await m.waitForTimeout(600);
  assert.equal(await dialog(m).count(), 0, "shown while reading down");
  await m.evaluate(async () => {
    for (const y of [1300, 1100, 900, 700]) { window.scrollTo(0, y); await new Promise((r) => setTimeout(r, 30)); }
  });
  await dialog(m).waitFor({ timeout: 3000 });
  ok("on a phone a quick scroll back up shows it (scroll_up)");
  await phone.close();

  const [, stats] = await api("/v1/stores/demo/stats");
  const sum = (k) => Object.values(stats.offers || {}).reduce((a, o) => a + (o[k] || 0), 0);
  assert.deepEqual([sum("shown"), sum("dismissed"), sum("claimed")], [3, 1, 1], JSON.stringify(stats.offers));
  assert.ok(stats.experiments.offer && stats.experiments.offer.variants.length === 2, JSON.stringify(stats.experiments.offer));
  ok(`the stats count them by variant (shown 3, dismissed 1, claimed 1) and compare the variants: ${JSON.stringify(stats.offers)}`);
} finally {
  await browser.close();
}
console.log(`${passed} passed, 0 failed`);
