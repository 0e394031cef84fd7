/*! Cartback capture snippet — https://github.com/cartback (MIT). No build step, no dependencies.
 *
 * <script src="cartback.js" defer
 *         data-endpoint="https://api.example.com"  (the Cartback API base URL)
 *         data-store="demo" data-key="pk_…"          (public store id and publishable key)
 *         data-country="NO"></script>               (reads phones typed without +country code)
 *
 * The shop reports its cart:     Cartback.cart({currency, checkout_url, items: [{sku, name, quantity, unit_price}]})
 *                                Cartback.checkout()   Cartback.clear()
 * and marks its fields:          <input type="email" data-cartback="email">, data-cartback="phone",
 *                                data-cartback="first_name", and the consent checkbox
 *                                <input type="checkbox" data-cartback-consent="email sms">.
 * Web push (docs/web-push.md): <button data-cartback-push="v1">Notify me about my cart</button>
 * (the value is the version of its consent text), or Cartback.push("v1") from the shop's own
 * click handler. Permission is asked only then, never on load; data-push-worker names the shop's
 * worker file (default /cartback-sw.js), registered for the whole site.
 * The on-site offer (docs/on-site.md): data-offer on the script tag, for a store that has one.
 * A typed contact is sent only while a consent checkbox is ticked, debounced, and only from the
 * marked fields (or type=email / type=tel inputs): never password or card fields. On page hide,
 * anything pending goes out with navigator.sendBeacon.
 */
(function (w, d) {
  "use strict";
  var me = d.currentScript || d.querySelector("script[data-cartback-store],script[data-store][data-key]");
  if (!me || w.Cartback) return;
  var base = (me.getAttribute("data-endpoint") || "").replace(/\/+$/, "");
  var store = me.getAttribute("data-store");
  var key = me.getAttribute("data-key");
  var country = me.getAttribute("data-country") || "";
  if (!store || !key) return;
  var url = base + "/v1/collect/" + encodeURIComponent(store) + "?key=" + encodeURIComponent(key);
  var DEBOUNCE_MS = 800;

  function rand(n) {
    var a = new Uint8Array(n), s = "", abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (w.crypto || w.msCrypto).getRandomValues(a);
    for (var i = 0; i < n; i++) s += abc[a[i] & 63];
    return s;
  }
  function remember(k, make) {
    var v;
    try { v = w.localStorage.getItem(k); } catch (e) { /* storage blocked: one id per page */ }
    if (!v) {
      v = make();
      try { w.localStorage.setItem(k, v); } catch (e) { /* ignore */ }
    }
    return v;
  }
  var cartId = remember("cartback_cart_" + store, function () { return "web-" + rand(22); });
  var lastCart = null, pending = null, timer = null;

  function body(type, extra) {
    var ev = { event_id: "web-" + rand(22), type: type, cart_id: cartId, phone_country: country || undefined };
    for (var k in extra) if (Object.prototype.hasOwnProperty.call(extra, k)) ev[k] = extra[k];
    return JSON.stringify(ev);
  }
  function send(payload, leaving) {
    if (leaving && w.navigator.sendBeacon) {
      if (w.navigator.sendBeacon(url, new Blob([payload], { type: "text/plain" }))) return;
    }
    if (w.fetch) {
      // text/plain keeps this a simple request: no CORS preflight.
      w.fetch(url, { method: "POST", body: payload, keepalive: true, mode: "cors",
                     headers: { "content-type": "text/plain" } }).catch(function () {});
    }
  }

  function consent() {
    var c = {}, any = false, boxes = d.querySelectorAll("[data-cartback-consent]");
    for (var i = 0; i < boxes.length; i++) {
      if (!boxes[i].checked) continue;
      var chans = (boxes[i].getAttribute("data-cartback-consent") || "email").split(/\s+/);
      for (var j = 0; j < chans.length; j++) if (chans[j]) { c[chans[j]] = true; any = true; }
    }
    return any ? c : null;
  }
  function forbidden(el) {
    var t = (el.type || "").toLowerCase(), ac = (el.autocomplete || "").toLowerCase(),
        n = ((el.name || "") + " " + (el.id || "")).toLowerCase();
    return t === "password" || t === "hidden" || ac.indexOf("cc-") === 0 || ac.indexOf("password") >= 0 ||
      /card|cvc|cvv|iban|passw/.test(n);
  }
  function role(el) {
    if (!el || el.tagName !== "INPUT" || forbidden(el)) return null;
    var r = el.getAttribute("data-cartback");
    if (r) return r;
    if (el.type === "email" || el.autocomplete === "email") return "email";
    if (el.type === "tel" || el.autocomplete === "tel") return "phone";
    return null;
  }
  function contact() {
    var c = {}, ok = false, els = d.querySelectorAll("input");
    for (var i = 0; i < els.length; i++) {
      var r = role(els[i]), v = (els[i].value || "").trim();
      if (!r || !v) continue;
      if (r === "email" && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) { c.email = v; ok = true; }
      else if (r === "phone" && /[0-9]{6,}/.test(v.replace(/[\s().-]/g, ""))) { c.phone = v.replace(/[\s().-]/g, ""); ok = true; }
      else if (r === "first_name") c.first_name = v.slice(0, 100);
    }
    return ok ? c : null;
  }
  function capture() {
    timer = null;
    var granted = consent(), c = contact();
    if (!granted || !c) return;
    c.consent = granted;
    pending = null;
    send(body("contact.captured", { customer: c }));
    try { w.localStorage.setItem("cartback_contact_" + store, "1"); } catch (e) { /* no offer then anyway */ }
  }
  function typed(e) {
    if (!role(e.target) && !(e.target && e.target.hasAttribute && e.target.hasAttribute("data-cartback-consent"))) return;
    pending = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(capture, DEBOUNCE_MS);
  }
  d.addEventListener("input", typed, true);
  d.addEventListener("change", typed, true);

  function flush() {
    if (!pending) return;
    if (timer) { clearTimeout(timer); timer = null; }
    var granted = consent(), c = contact();
    pending = null;
    if (granted && c) { c.consent = granted; send(body("contact.captured", { customer: c }), true); }
  }
  // The tab nudge (docs/on-site.md): the store's on-site settings, read once a page when a cart
  // has items; while the shopper is on another tab, the title (and the icon, if asked) says the
  // cart is waiting, in the page's language (else the browser's, else English); restored on return.
  var site = null, asked = null, title0 = null, icons = [];
  function settings() {
    if (!asked && w.fetch) {
      asked = w.fetch(base + "/v1/on-site/" + encodeURIComponent(store) + "?key=" + encodeURIComponent(key), { mode: "cors" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) { site = s; return s; }).catch(function () { return null; });
    }
    return asked;
  }
  function nudge(away) {
    var n = site && site.tab_nudge, t, lang, i, els;
    if (away && n && lastCart && lastCart.items && lastCart.items.length && title0 === null) {
      t = n.titles || {};
      lang = (d.documentElement.lang || w.navigator.language || "").toLowerCase();
      title0 = d.title;
      d.title = t[lang] || t[lang.split("-")[0]] || t.en || title0;
      if (n.favicon) {
        els = d.querySelectorAll("link[rel~='icon']");
        for (i = 0; i < els.length; i++) { icons.push([els[i], els[i].href]); els[i].href = DOT; }
      }
    } else if (!away && title0 !== null) {
      d.title = title0;
      title0 = null;
      while (icons.length) { i = icons.pop(); i[0].href = i[1]; }
    }
  }
  var DOT = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23d22'/%3E%3C/svg%3E";

  w.addEventListener("pagehide", flush);
  d.addEventListener("visibilitychange", function () {
    var away = d.visibilityState === "hidden";
    if (away) flush();
    nudge(away);
  });

  // Web push: asked for on the shopper's click only; the subscription goes to Cartback as a
  // contact with the webpush consent and the version of the opt-in's text.
  var worker = me.getAttribute("data-push-worker") || "/cartback-sw.js";
  function bytes(b64) {
    var s = w.atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - b64.length % 4) % 4)), a = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }
  function push(version) {
    var n = w.navigator, N = w.Notification, P = w.Promise;
    if (!P || !n.serviceWorker || !w.PushManager || !N || !w.fetch) return P ? P.resolve("unsupported") : null;
    return P.all([N.requestPermission(), settings()]).then(function (r) {
      var k = r[1] && r[1].push && r[1].push.vapid_public_key;
      if (r[0] !== "granted") return "denied";
      if (!k) return "off";
      return n.serviceWorker.register(worker, { scope: "/" }).then(function () { return n.serviceWorker.ready; })
        .then(function (reg) { return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(k) }); })
        .then(function (sub) {
          var c = { push_subscription: sub.toJSON(), consent: { webpush: true }, consent_version: String(version || "webpush").slice(0, 64) },
              lang = d.documentElement.lang || n.language || "", tz = "";
          try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* none */ }
          if (/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lang)) c.locale = lang;
          if (/^[A-Za-z_]+\/[A-Za-z_+-]+/.test(tz)) c.timezone = tz;
          send(body("contact.captured", { customer: c }));
          return "subscribed";
        });
    }).catch(function () { return "failed"; });
  }
  d.addEventListener("click", function (e) {
    var t = e.target && e.target.closest && e.target.closest("[data-cartback-push]");
    if (t) push(t.getAttribute("data-cartback-push"));
  }, true);

  // The on-site offer (docs/on-site.md): for a store that has one (`data-offer`), the settings are
  // read at load and its dialog's script (offer.js) loaded only then.
  var offerUrl = base + "/v1/on-site/" + encodeURIComponent(store) + "/offer?key=" + encodeURIComponent(key);
  function postOffer(o) {
    return w.fetch(offerUrl, { method: "POST", body: JSON.stringify(o), mode: "cors", headers: { "content-type": "text/plain" } })
      .then(function (r) { return r.json(); }).catch(function () { return null; });
  }
  if (me.hasAttribute("data-offer") && w.fetch) {
    settings().then(function (s) {
      if (!s || !s.offer) return;
      var sc = d.createElement("script");
      sc.src = base + "/v1/offer.js";
      sc.async = true;
      d.head.appendChild(sc);
    });
  }

  function withContact(extra) {
    var granted = consent(), c = contact();
    if (granted && c) { c.consent = granted; extra.customer = c; }
    return extra;
  }
  w.Cartback = {
    cartId: function () { return cartId; },
    /** For offer.js. */
    __offer: function () {
      return { offer: site && site.offer, store: store, country: country, post: postOffer, cartId: function () { return cartId; } };
    },
    /** Call from a click handler: asks for notifications and subscribes (a Promise of
     *  "subscribed", "denied", "off", "unsupported" or "failed"). */
    push: push,
    cart: function (cart) {
      lastCart = cart;
      if (cart && cart.items && cart.items.length) settings();
      send(body("cart.updated", withContact({ cart: cart })));
    },
    checkout: function (cart) {
      lastCart = cart || lastCart;
      if (lastCart) send(body("checkout.started", withContact({ cart: lastCart })));
    },
    clear: function () {
      lastCart = null;
      send(body("cart.cleared", {}));
    },
    /** After the order is placed: the next cart is a new one. */
    reset: function () {
      cartId = "web-" + rand(22);
      try { w.localStorage.setItem("cartback_cart_" + store, cartId); } catch (e) { /* ignore */ }
    }
  };
})(window, document);
