/*! Cartback on-site offer — the exit-intent offer and the delayed pop-up (docs/on-site.md). MIT.
 * Loaded by cartback.js only for a store with an offer (`data-offer` on its script tag). Shown
 * at most once per browser in the store's window, never to a shopper who gave a contact, never
 * before the page has loaded; a code only for an address and a ticked consent. A modal dialog:
 * focus moved in and kept there, Escape closes, focus given back; fixed on top of the page, so
 * nothing on the page moves.
 */
(function (w, d) {
  "use strict";
  var C = w.Cartback, api = C && C.__offer && C.__offer();
  if (!api || !api.offer || !api.offer.variants || !api.offer.variants.length) return;
  var o = api.offer, KEY = "cartback_offer_" + api.store, shown = false;
  function get(k) { try { return w.localStorage.getItem(k); } catch (e) { return null; } }
  function put(k, v) { try { w.localStorage.setItem(k, v); } catch (e) { /* blocked: once a page */ } }
  var last = Number(get(KEY) || 0);
  if (get("cartback_contact_" + api.store) || (last && Date.now() - last < o.every_s * 1000)) return;

  // The variant: drawn once per browser, by weight, and kept.
  var vs = o.variants, v = null, i, total = 0, r, kept = get(KEY + "_variant");
  for (i = 0; i < vs.length; i++) { if (vs[i].name === kept) v = vs[i]; total += vs[i].weight; }
  if (!v) {
    r = Math.random() * total;
    for (i = 0; i < vs.length && !v; i++) { r -= vs[i].weight; if (r < 0) v = vs[i]; }
    v = v || vs[0];
    put(KEY + "_variant", v.name);
  }
  var lang, t;

  function el(tag, attrs, text) {
    var e = d.createElement(tag), k;
    for (k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }
  var BTN = "font:inherit;padding:10px 16px;border-radius:6px;cursor:pointer;margin:12px 8px 0 0;";

  function show() {
    if (shown) return;
    shown = true;
    put(KEY, String(Date.now()));
    api.post({ action: "shown", variant: v.name });
    // The page's language (else the browser's, else English), as it is now.
    var want = (d.documentElement.lang || w.navigator.language || "en").toLowerCase();
    lang = v.texts[want] ? want : v.texts[want.split("-")[0]] ? want.split("-")[0] : "en";
    t = v.texts[lang] || v.texts.en;
    var back = d.activeElement, phone = o.ask === "phone";
    var wrap = el("div", { "data-cartback-offer": "", style: "position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center;padding:16px" });
    var box = el("div", { role: "dialog", "aria-modal": "true", "aria-labelledby": "cb-offer-title", "aria-describedby": "cb-offer-body",
      lang: lang, dir: /^(fa|ar|he|ur)$/.test(lang) ? "rtl" : "ltr",
      style: "background:#fff;color:#111;max-width:420px;width:100%;border-radius:10px;padding:24px;font:16px/1.45 system-ui,sans-serif;box-shadow:0 8px 30px rgba(0,0,0,.3)" });
    var title = el("h2", { id: "cb-offer-title", style: "margin:0 0 8px;font-size:22px" }, t.title);
    var body = el("p", { id: "cb-offer-body", style: "margin:0 0 12px" }, t.body);
    var form = el("form", { novalidate: "" });
    var field = el("input", { id: "cb-offer-field", name: phone ? "phone" : "email", type: phone ? "tel" : "email", required: "",
      autocomplete: phone ? "tel" : "email", style: "font:inherit;width:100%;box-sizing:border-box;padding:10px;border:1px solid #555;border-radius:6px" });
    var consent = el("input", { id: "cb-offer-consent", type: "checkbox", required: "", style: "margin:4px 8px 0 0;flex:none" });
    var agree = el("label", { "for": "cb-offer-consent", style: "display:flex;align-items:flex-start;margin-top:12px;font-size:14px" });
    agree.appendChild(consent);
    agree.appendChild(el("span", {}, t.consent));
    var status = el("p", { role: "status", "aria-live": "polite", style: "margin:8px 0 0;min-height:1em" });
    var take = el("button", { type: "submit", style: BTN + "border:0;background:#1a56a8;color:#fff" }, t.button);
    var no = el("button", { type: "button", style: BTN + "border:1px solid #555;background:#fff;color:#111" }, t.dismiss);
    form.appendChild(el("label", { "for": "cb-offer-field", style: "display:block;margin-bottom:4px" }, t.field));
    form.appendChild(field);
    form.appendChild(agree);
    form.appendChild(status);
    form.appendChild(take);
    form.appendChild(no);
    box.appendChild(title);
    box.appendChild(body);
    box.appendChild(form);
    wrap.appendChild(box);
    d.body.appendChild(wrap);
    field.focus();

    function close(report) {
      if (report) api.post({ action: "dismissed", variant: v.name });
      wrap.parentNode && wrap.parentNode.removeChild(wrap);
      d.removeEventListener("keydown", keys, true);
      if (back && back.focus) back.focus();
    }
    function keys(e) {
      if (e.key === "Escape") { e.preventDefault(); close(!done); return; }
      if (e.key !== "Tab") return;
      var f = box.querySelectorAll("input,button"), first = f[0], end = f[f.length - 1];
      if (e.shiftKey && d.activeElement === first) { e.preventDefault(); end.focus(); }
      else if (!e.shiftKey && d.activeElement === end) { e.preventDefault(); first.focus(); }
      else if (!box.contains(d.activeElement)) { e.preventDefault(); first.focus(); }
    }
    d.addEventListener("keydown", keys, true);
    no.addEventListener("click", function () { close(true); });
    var done = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!form.reportValidity()) return;
      take.disabled = true;
      var claim = { action: "claim", variant: v.name, cart_id: api.cartId(), consent: true, locale: lang, phone_country: api.country || undefined };
      claim[phone ? "phone" : "email"] = field.value.trim();
      api.post(claim).then(function (a) {
        take.disabled = false;
        if (!a || (a.status !== "given" && a.status !== "withheld")) {
          status.textContent = (a && a.error && a.error.message) || "…";
          return;
        }
        done = true;
        put("cartback_contact_" + api.store, "1");
        form.textContent = "";
        var said = el("p", { style: "font-size:18px;margin:8px 0" }, a.status === "given" ? t.thanks.replace("{code}", a.code) : t.no_code);
        var ok = el("button", { type: "button", style: BTN + "border:0;background:#1a56a8;color:#fff" }, "OK");
        ok.addEventListener("click", function () { close(false); });
        form.appendChild(said);
        form.appendChild(ok);
        status.textContent = "";
        form.appendChild(status);
        ok.focus();
      });
    });
  }

  function start() {
    var armed = false;
    setTimeout(function () { armed = true; if (o.show === "delay") show(); }, o.delay_ms);
    if (o.show !== "exit_intent") return;
    // Desktop: the pointer leaves the page through its top edge, toward the tabs and the address bar.
    d.addEventListener("mouseout", function (e) { if (armed && !e.relatedTarget && e.clientY <= 0) show(); });
    var coarse = w.matchMedia && w.matchMedia("(pointer: coarse)").matches;
    if (coarse && o.mobile === "scroll_up") {
      // A quick scroll back up (a quarter of the screen within 400 ms) after reading down the page.
      var deepest = 0, marks = [];
      w.addEventListener("scroll", function () {
        var y = w.scrollY, now = Date.now();
        deepest = Math.max(deepest, y);
        marks.push([now, y]);
        while (marks.length && now - marks[0][0] > 400) marks.shift();
        var top = Math.max.apply(null, marks.map(function (m) { return m[1]; }));
        if (armed && deepest > w.innerHeight / 2 && top - y > w.innerHeight / 4) show();
      }, { passive: true });
    } else if (coarse && o.mobile === "back" && w.history.pushState) {
      // The back button, once: the page keeps one entry of its own, and going back shows the offer.
      w.history.pushState({ cartback: 1 }, "");
      w.addEventListener("popstate", function () { if (armed) show(); else w.history.back(); }, { once: true });
    }
  }
  if (d.readyState === "complete") start(); else w.addEventListener("load", start);
})(window, document);
