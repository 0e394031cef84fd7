// Cartback's inbox (docs/conversations.md): the store's open conversations, a transcript and a
// reply box, over the conversations API with the store's key. No dependencies; shoppers' texts
// are only ever put in the page as text (textContent), never as HTML.
(function () {
  "use strict";
  var path = location.pathname;
  var at = path.lastIndexOf("/inbox/");
  var base = path.slice(0, at);
  var store = decodeURIComponent(path.slice(at + 7).split("/")[0]);
  var keyName = "cartback-key-" + store;
  var $ = function (id) { return document.getElementById(id); };
  // Direction controls (a right-to-left override makes "gpj.exe" read "exe.jpg") are shown as
  // what they are, not obeyed; the rest of the text, Persian included, displays as written.
  var shown = function (s) {
    return String(s == null ? "" : s).replace(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g, function (c) {
      return "[U+" + c.charCodeAt(0).toString(16).toUpperCase() + "]";
    });
  };
  var current = null;
  var pendingKey = null;

  function api(method, rel, body) {
    var init = { method: method, headers: { Authorization: "Bearer " + sessionStorage.getItem(keyName) } };
    if (body) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(base + "/v1/stores/" + encodeURIComponent(store) + "/conversations" + rel, init).then(function (r) {
      return r.json().then(function (j) {
        if (r.status === 401) { sessionStorage.removeItem(keyName); showLogin(); }
        if (!r.ok) {
          var err = new Error((j.error && j.error.message) || j.message || ("HTTP " + r.status));
          err.status = r.status;
          throw err;
        }
        return j;
      });
    });
  }

  function showLogin() { $("login").hidden = false; $("list").hidden = true; $("main").hidden = true; }

  function fail(e) { $("error").textContent = e.message; }

  function loadList() {
    $("login").hidden = true; $("list").hidden = false; $("main").hidden = false;
    $("list").textContent = "";
    return loadPage(null);
  }

  // One page of 200 (the API's); "Older conversations" fetches the next from the answer's `next`.
  function loadPage(before) {
    var rel = "?status=open" + (before ? "&before=" + encodeURIComponent(before) : "");
    return api("GET", rel).then(function (j) {
      var list = $("list");
      j.conversations.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.dataset.id = c.id;
        b.setAttribute("aria-current", String(c.id === current));
        var who = document.createElement("strong");
        who.textContent = shown(c.shopper) + " · " + c.channel;
        var what = document.createElement("div");
        what.className = "meta";
        what.textContent = c.reason + " — " + shown(c.last_shopper_message);
        b.appendChild(who); b.appendChild(what);
        b.addEventListener("click", function () { location.hash = c.id; });
        list.appendChild(b);
      });
      if (j.next) {
        var more = document.createElement("button");
        more.type = "button";
        more.id = "older";
        more.textContent = "Older conversations";
        more.addEventListener("click", function () { more.remove(); loadPage(j.next); });
        list.appendChild(more);
      }
      if (!before) { $("empty").hidden = j.conversations.length > 0; }
    }).catch(fail);
  }

  function open(id) {
    current = id;
    pendingKey = null;
    return api("GET", "/" + encodeURIComponent(id)).then(function (c) {
      $("error").textContent = "";
      $("status").textContent = "";
      $("conversation").hidden = false;
      $("title").textContent = c.shopper + " on " + c.channel;
      $("details").textContent = "Reason: " + c.reason + " · model's guess: " + c.guess + " · handed off: " +
        c.rule + (c.cart_id ? " · cart " + c.cart_id : "") + " · " + c.status;
      var t = $("transcript");
      t.textContent = "";
      c.transcript.forEach(function (m) {
        var d = document.createElement("div");
        d.className = "msg " + m.author;
        d.textContent = shown(m.text);
        var meta = document.createElement("div");
        meta.className = "meta";
        meta.textContent = m.author + " · " + m.at + (m.status ? " · " + m.status : "");
        d.appendChild(meta);
        if (m.reading) { d.appendChild(reading(m)); }
        t.appendChild(d);
      });
      $("reply").hidden = c.status !== "open";
      loadList();
      return context(id, c.status === "open");
    }).catch(fail);
  }

  function line(parent, text) {
    var li = document.createElement("li");
    li.textContent = shown(text);
    parent.appendChild(li);
    return li;
  }

  // Beside the transcript: the cart as the catalogue knows it, the products the shopper named,
  // the shopper's own orders, and the ready cart to send in one action.
  function context(id, open) {
    var aside = $("context");
    return api("GET", "/" + encodeURIComponent(id) + "/context").then(function (x) {
      if (current !== id) { return; }
      aside.hidden = false;
      var cart = $("ctx-cart");
      cart.textContent = "";
      (x.cart ? x.cart.lines : []).forEach(function (l) {
        line(cart, l.quantity + " × " + l.name + " (" + l.sku + ") " + l.unit_price +
          (l.available === false ? " · sold out" : l.variant_id ? "" : " · not in the catalogue"));
      });
      if (x.cart && x.cart.unused_code) { line(cart, "Code offered: " + x.cart.unused_code); }
      var products = $("ctx-products");
      products.textContent = "";
      x.products.forEach(function (p) {
        var li = line(products, p.title);
        var ul = document.createElement("ul");
        p.variants.forEach(function (v) { line(ul, v.title + " · " + v.price + (v.available ? "" : " · sold out")); });
        li.appendChild(ul);
      });
      var orders = $("ctx-orders");
      orders.textContent = "";
      x.orders.forEach(function (o) {
        var t = o.tracking ? " · " + [o.tracking.company, o.tracking.number].filter(Boolean).join(" ") : "";
        line(orders, (o.name || o.id) + " · " + o.progress + t);
      });
      var ready = x.ready_cart;
      $("ctx-link").textContent = ready && ready.link ? shown(ready.link) : "No ready cart (no shop, or items the catalogue does not list).";
      $("ready").hidden = !(open && ready && ready.link);
      $("ready-free").parentNode.hidden = !(ready && ready.free_shipping_item);
    }).catch(function () { aside.hidden = true; });
  }

  var readyKey = null;
  $("ready").addEventListener("click", function () {
    readyKey = readyKey || (Date.now().toString(36) + Math.random().toString(36).slice(2));
    $("ready").disabled = true;
    api("POST", "/" + encodeURIComponent(current) + "/ready-cart",
      { add_free_shipping_item: $("ready-free").checked, idempotency_key: readyKey })
      .then(function () { readyKey = null; return open(current); })
      // The server answered (refused, or the provider did): a new click is a new attempt. A lost
      // answer (no status) keeps the key, so a retry cannot send twice.
      .catch(function (e) { if (e.status) { readyKey = null; } fail(e); })
      .then(function () { $("ready").disabled = false; });
  });

  var LABELS = ["opt_out", "payment_problem", "unexpected_fees", "technical_issue", "shipping_time", "trust",
    "product_question", "price_discount", "not_interested", "other"];

  // How Cartback read a reply and who decided (docs/replies.md), and the person's correction:
  // "opt_out" stops every automated message to the phone; any other label lifts a hold.
  function reading(m) {
    var r = m.reading;
    var box = document.createElement("div");
    box.className = "meta reading";
    box.textContent = "Read as " + r.label + " by " + r.by + " (" + r.action + "; model's guess " + r.guess + " " +
      Math.round(r.confidence * 100) + " %)" + (r.correction ? " · corrected to " + r.correction.label : "");
    var select = document.createElement("select");
    select.setAttribute("aria-label", "What this reply says");
    LABELS.forEach(function (l) {
      var o = document.createElement("option");
      o.value = l;
      o.textContent = l === "opt_out" ? "a \u201cno\u201d: stop all messages" : l;
      if (l === (r.correction ? r.correction.label : r.label)) { o.selected = true; }
      select.appendChild(o);
    });
    var save = document.createElement("button");
    save.type = "button";
    save.textContent = "Save reading";
    save.addEventListener("click", function () {
      api("POST", "/" + encodeURIComponent(current) + "/readings", { label: select.value, message: m.id })
        .then(function (j) {
          return open(current).then(function () { $("status").textContent = "Saved. Consent: " + j.consent; });
        })
        .catch(fail);
    });
    box.appendChild(document.createTextNode(" "));
    box.appendChild(select);
    box.appendChild(save);
    return box;
  }

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(keyName, $("key").value.trim());
    $("key").value = "";
    route();
  });

  $("reply").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("text").value;
    // One key per answer typed: a double click or a retry after a lost answer sends it once.
    pendingKey = pendingKey || (Date.now().toString(36) + Math.random().toString(36).slice(2));
    $("send").disabled = true;
    api("POST", "/" + encodeURIComponent(current) + "/messages", { text: text, idempotency_key: pendingKey })
      .then(function () { $("text").value = ""; return open(current); })
      .catch(fail)
      .then(function () { $("send").disabled = false; });
  });

  $("close").addEventListener("click", function () {
    api("POST", "/" + encodeURIComponent(current) + "/close").then(function () { return open(current); }).catch(fail);
  });

  function route() {
    if (!sessionStorage.getItem(keyName)) { showLogin(); return; }
    var id = location.hash.slice(1);
    if (id) { open(id); } else { loadList(); }
  }
  window.addEventListener("hashchange", route);
  route();
})();
