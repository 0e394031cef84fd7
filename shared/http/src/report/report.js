// Cartback's report page (README "The report page"): the store's stats and daily series, drawn
// here as SVG — no dependencies, nothing from another origin. Everything from the API is put in
// the page as text (textContent, SVG attributes), never as HTML. The store's key is typed once
// and kept in the tab's sessionStorage.
(function () {
  "use strict";
  var path = location.pathname;
  var at = path.lastIndexOf("/report/");
  var base = path.slice(0, at);
  var store = decodeURIComponent(path.slice(at + 8).split("/")[0]);
  var keyName = "cartback-key-" + store;
  var SVG = "http://www.w3.org/2000/svg";
  var $ = function (id) { return document.getElementById(id); };

  function api(rel) {
    var init = { headers: { Authorization: "Bearer " + sessionStorage.getItem(keyName) } };
    return fetch(base + "/v1/stores/" + encodeURIComponent(store) + rel, init).then(function (r) {
      if (r.status === 401) { sessionStorage.removeItem(keyName); showLogin(); }
      if (!r.ok) {
        return r.json().then(function (j) { throw new Error((j.error && j.error.message) || ("HTTP " + r.status)); });
      }
      return (r.headers.get("content-type") || "").indexOf("json") >= 0 ? r.json() : r.text();
    });
  }

  function showLogin() { $("login").hidden = false; $("report").hidden = true; }
  function fail(e) { $("error").textContent = e.message; }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = String(text); }
    return e;
  }
  function int(n) { return Number(n || 0).toLocaleString("en"); }
  function pct(x) { return (100 * (x || 0)).toFixed(1) + " %"; }
  function digits(cur) {
    try { return new Intl.NumberFormat("en", { style: "currency", currency: cur }).resolvedOptions().maximumFractionDigits; }
    catch (e) { return 2; }
  }
  function money(minor, cur) {
    var v = (minor || 0) / Math.pow(10, digits(cur));
    try { return new Intl.NumberFormat("en", { style: "currency", currency: cur }).format(v); }
    catch (e) { return v.toFixed(2) + " " + cur; }
  }
  function sum(o) { return Object.keys(o || {}).reduce(function (a, k) { return a + o[k]; }, 0); }
  // A number the browser test reads back against the stats API: shown formatted, kept exact.
  function metric(name, value, shown) {
    var e = el("span", shown === undefined ? int(value) : shown, "num");
    e.dataset.metric = name;
    e.dataset.value = String(value);
    return e;
  }

  function table(id, head, rows) {
    var t = $(id);
    t.textContent = "";
    var tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", h)); });
    t.appendChild(tr);
    if (!rows.length) { var r = el("tr"); var td = el("td", "nothing yet", "meta"); td.colSpan = head.length; r.appendChild(td); t.appendChild(r); }
    rows.forEach(function (cells) {
      var r = el("tr");
      cells.forEach(function (c) { var td = el("td"); if (c instanceof Node) { td.appendChild(c); } else { td.textContent = String(c); } r.appendChild(td); });
      t.appendChild(r);
    });
  }

  function funnel(s) {
    var steps = [
      ["Carts tracked", "carts_tracked", s.carts_tracked],
      ["Abandoned", "carts_abandoned", s.carts_abandoned],
      ["Messaged", "carts_messaged", s.carts_messaged],
      ["Clicks", "clicks", s.clicks],
      ["Recovered", "orders_recovered", s.orders_recovered]
    ];
    var top = Math.max(1, s.carts_tracked, s.clicks);
    var f = $("funnel");
    f.textContent = "";
    steps.forEach(function (x) {
      var row = el("div", null, "funnel-row");
      row.appendChild(el("span", x[0]));
      var track = el("div");
      var bar = el("div", null, "bar");
      bar.style.width = (100 * x[2] / top).toFixed(2) + "%";
      track.appendChild(bar);
      row.appendChild(track);
      row.appendChild(metric(x[1], x[2]));
      f.appendChild(row);
    });
    var rev = el("p");
    Object.keys(s.revenue_recovered).forEach(function (cur) {
      rev.appendChild(document.createTextNode("Recovered revenue " + cur + ": "));
      rev.appendChild(metric("revenue_recovered." + cur, s.revenue_recovered[cur], money(s.revenue_recovered[cur], cur)));
      rev.appendChild(document.createTextNode("  "));
    });
    rev.appendChild(document.createTextNode("Recovery rate: " + pct(s.recovery_rate)));
    f.appendChild(rev);
  }

  // Lines (or bars) over the days; the largest value labels the axis, first and last day below.
  function chart(container, days, series, bars) {
    // A small canvas, so its 11-unit labels stay readable when a phone scales it down.
    var W = 400, H = 160, L = 30, B = 20, T = 6;
    var top = 1;
    series.forEach(function (s) { days.forEach(function (d) { top = Math.max(top, s.value(d)); }); });
    var n = Math.max(1, days.length);
    var step = (W - L - 4) / n;
    var x = function (i) { return L + step * (i + 0.5); };
    var y = function (v) { return T + (H - T - B) * (1 - v / top); };
    var g = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
    g.appendChild(svg("line", { x1: L, y1: H - B, x2: W, y2: H - B, stroke: "#ccc" }));
    // The largest value, inside the plot's top-left corner (a currency amount is wider than the margin).
    g.appendChild(svg("line", { x1: L, y1: T, x2: W, y2: T, stroke: "#eee" }));
    g.appendChild(svg("text", { x: L + 4, y: T + 12 }, series[0].axis(top)));
    g.appendChild(svg("text", { x: L - 4, y: H - B, "text-anchor": "end" }, "0"));
    if (days.length) {
      g.appendChild(svg("text", { x: L, y: H - 6 }, days[0].date));
      g.appendChild(svg("text", { x: W - 4, y: H - 6, "text-anchor": "end" }, days[days.length - 1].date));
    }
    series.forEach(function (s) {
      if (bars) {
        days.forEach(function (d, i) {
          var v = s.value(d);
          if (!v) { return; }
          var r = svg("rect", { x: x(i) - step * 0.4, y: y(v), width: step * 0.8, height: H - B - y(v), fill: s.color });
          r.appendChild(svg("title", {}, d.date + ": " + s.axis(v)));
          g.appendChild(r);
        });
      } else {
        var pts = days.map(function (d, i) { return x(i).toFixed(1) + "," + y(s.value(d)).toFixed(1); }).join(" ");
        g.appendChild(svg("polyline", { points: pts, fill: "none", stroke: s.color, "stroke-width": 2 }));
      }
    });
    container.textContent = "";
    container.appendChild(g);
  }

  function charts(daily) {
    var days = daily.days;
    $("zone").textContent = "Days in the store's time zone (" + daily.timezone + "), " + daily.from + " to " + daily.to + ".";
    var totals = {};
    days.forEach(function (d) { Object.keys(d.revenue_recovered).forEach(function (c) { totals[c] = (totals[c] || 0) + d.revenue_recovered[c]; }); });
    var cur = Object.keys(totals).sort(function (a, b) { return totals[b] - totals[a]; })[0];
    var rc = $("revenue-chart");
    if (!cur) { rc.textContent = "No recovered revenue in these days yet."; } else {
      chart(rc, days, [{ label: cur, color: "#2f9e63", value: function (d) { return d.revenue_recovered[cur] || 0; },
        axis: function (v) { return money(v, cur); } }], true);
      var p = el("p", null, "meta");
      p.appendChild(document.createTextNode("Total in these days: "));
      p.appendChild(metric("daily.revenue_recovered." + cur, totals[cur], money(totals[cur], cur)));
      rc.appendChild(p);
    }
    var series = [
      { label: "carts tracked", color: "#4a7bd0", value: function (d) { return d.carts_tracked; } },
      { label: "messages", color: "#e08a1e", value: function (d) { return d.messages; } },
      { label: "recovered orders", color: "#2f9e63", value: function (d) { return d.orders_recovered; } }
    ];
    series.forEach(function (s) { s.axis = function (v) { return int(v); }; });
    chart($("activity-chart"), days, series, false);
    var lg = $("activity-legend");
    lg.textContent = "";
    series.forEach(function (s) { var sp = el("span"); var i = el("i"); i.style.background = s.color; sp.appendChild(i); sp.appendChild(document.createTextNode(s.label)); lg.appendChild(sp); });
  }

  function verdict(o) {
    var words = { better: "better", worse: "worse", no_difference_yet: "no difference yet", not_enough_data: "not enough data yet" };
    var e = el("span", words[o.verdict] || o.verdict, o.verdict);
    e.dataset.verdict = o.verdict;
    return e;
  }
  function interval(o, scale, fmt) {
    if (!o.comparison) { return "—"; }
    var c = o.comparison;
    return fmt(c.difference * scale) + " (" + fmt(c.low * scale) + " to " + fmt(c.high * scale) + ")";
  }
  function pp(v) { return (v >= 0 ? "+" : "") + v.toFixed(1) + " pt"; }

  // A wide table scrolls in its own box: the page keeps a phone's width.
  function scroll(t) {
    var d = el("div");
    d.className = "scroll";
    d.appendChild(t);
    return d;
  }

  function experiments(s) {
    var box = $("experiments");
    box.textContent = "";
    if (!s.experiments.steps.length) { box.appendChild(el("p", "No step has two variants yet (steps[].variants in the store's configuration).", "meta")); }
    s.experiments.steps.forEach(function (st) {
      box.appendChild(el("h3", "Step " + (st.step + 1) + ": variants against " + st.control));
      var t = el("table");
      t.id = "experiment-" + st.step;
      box.appendChild(scroll(t));
      var byName = {};
      st.comparisons.forEach(function (c) { byName[c.name] = c; });
      var rows = st.variants.map(function (a) {
        var c = byName[a.name];
        var cur = Object.keys(a.revenue_per_cart)[0];
        return [a.name, metric("experiment." + st.step + "." + a.name + ".carts", a.carts), int(a.messages), int(a.clicks), int(a.orders), pct(a.order_rate),
          cur ? money(a.revenue_per_cart[cur], cur) : "—",
          c ? verdict(c.orders) : "control", c ? interval(c.orders, 100, pp) : ""];
      });
      table(t.id, ["Variant", "Carts", "Messages", "Clicks", "Orders", "Order rate", "Revenue / cart", "Orders", "Difference (95 %)"], rows);
    });
    // The on-site offer's variants (docs/on-site.md): shown, codes taken, orders with the code.
    var o = s.experiments.offer;
    if (o) {
      box.appendChild(el("h3", "On-site offer: variants against " + o.control));
      var ot = el("table");
      ot.id = "experiment-offer";
      box.appendChild(scroll(ot));
      var byOffer = {};
      o.comparisons.forEach(function (c) { byOffer[c.name] = c; });
      table(ot.id, ["Variant", "Shown", "Codes taken", "Orders", "Order rate", "Revenue / shown", "Orders", "Difference (95 %)"],
        o.variants.map(function (a) {
          var c = byOffer[a.name];
          var cur = Object.keys(a.revenue_per_cart)[0];
          return [a.name, metric("offers." + a.name + ".shown", a.carts), metric("offers." + a.name + ".claimed", a.clicks),
            metric("offers." + a.name + ".converted", a.orders), pct(a.order_rate), cur ? money(a.revenue_per_cart[cur], cur) : "—",
            c ? verdict(c.orders) : "control", c ? interval(c.orders, 100, pp) : ""];
        }));
    }
  }

  function holdout(s) {
    var box = $("holdout");
    box.textContent = "";
    var h = s.experiments.holdout;
    if (!h) { box.appendChild(el("p", "No holdout (holdout_percent in the store's configuration): the lift cannot be measured.", "meta")); return; }
    var t = el("table");
    t.id = "holdout-table";
    box.appendChild(t);
    var rows = [h.holdout, h.treated].map(function (a) {
      var cur = Object.keys(a.revenue_per_cart)[0];
      return [a.name, metric(a.name + ".carts", a.carts), metric(a.name + ".orders", a.orders), pct(a.order_rate), cur ? money(a.revenue_per_cart[cur], cur) : "—"];
    });
    table(t.id, ["Group", "Abandoned carts", "Orders", "Order rate", "Revenue / cart"], rows);
    var p = el("p");
    p.appendChild(document.createTextNode("Messaged carts against the holdout, orders: "));
    p.appendChild(verdict(h.lift.orders));
    p.appendChild(document.createTextNode(" " + interval(h.lift.orders, 100, pp)));
    var lift = h.lift.orders.comparison && h.lift.orders.comparison.relative_lift;
    if (lift !== null && lift !== undefined) { p.appendChild(document.createTextNode(", lift " + (lift >= 0 ? "+" : "") + (100 * lift).toFixed(0) + " %")); }
    box.appendChild(p);
  }

  function render(s) {
    $("store").textContent = s.store;
    funnel(s);
    experiments(s);
    holdout(s);
    var channels = Object.keys(Object.assign({}, s.messages_by_channel, s.messages_delivered, s.messages_failed)).sort();
    // Each step (a branch of the sequence is a step with a `when`): its variants together.
    var results = {};
    (s.experiments.by_step || []).forEach(function (a) { results[a.name] = a; });
    var stepKeys = Object.keys(Object.assign({}, s.messages_by_step, results)).sort(function (a, b) { return a - b; });
    table("by-step", ["Step", "Messages", "Carts", "Clicks", "Product clicks", "Orders", "Order rate", "Revenue / cart"], stepKeys.map(function (k) {
      var a = results[k];
      var cur = a && Object.keys(a.revenue_per_cart)[0];
      return ["Step " + (Number(k) + 1), metric("messages_by_step." + k, s.messages_by_step[k] || 0), int(a && a.carts),
        int(a && a.clicks), int(a && a.recommendation_clicks), int(a && a.orders), a ? pct(a.order_rate) : "—",
        cur ? money(a.revenue_per_cart[cur], cur) : "—"];
    }));
    table("by-channel", ["Channel", "Sent", "Delivered", "Failed", "Opt-outs"], channels.map(function (c) {
      return [c, metric("messages_by_channel." + c, s.messages_by_channel[c] || 0), int(s.messages_delivered[c]),
        int(s.messages_failed[c]), int(s.opt_outs[c])];
    }));
    var langs = Object.keys(Object.assign({}, s.messages_by_language, s.recovered_by_language)).sort();
    table("by-language", ["Language", "Messages", "Recovered orders"], langs.map(function (l) {
      return [l, metric("messages_by_language." + l, s.messages_by_language[l] || 0), int(s.recovered_by_language[l])];
    }));
    table("by-temperature", ["Lead", "Captured", "Abandoned", "Recovered", "Recovery rate"], ["cold", "warm", "hot"].map(function (t) {
      var x = s.lead_temperature[t];
      var names = { cold: "cold (browsing)", warm: "warm (cart)", hot: "hot (checkout)" };
      return [names[t], int(x.captured), int(x.abandoned), metric("lead_temperature." + t + ".recovered", x.recovered), pct(x.recovery_rate)];
    }));
    var r = $("reasons");
    r.textContent = "";
    var total = Math.max(1, sum(s.reasons));
    var keys = Object.keys(s.reasons).sort(function (a, b) { return s.reasons[b] - s.reasons[a]; });
    if (!keys.length) { r.appendChild(el("p", "No reasons given yet.", "meta")); }
    keys.forEach(function (k) {
      var row = el("div", null, "funnel-row");
      row.appendChild(el("span", k.replace(/_/g, " ")));
      var track = el("div"); var bar = el("div", null, "bar");
      bar.style.width = (100 * s.reasons[k] / total).toFixed(2) + "%";
      track.appendChild(bar); row.appendChild(track);
      row.appendChild(metric("reasons." + k, s.reasons[k]));
      r.appendChild(row);
    });
    table("opt-outs", ["Channel", "Opt-outs"], Object.keys(s.opt_outs).sort().map(function (c) {
      return [c, metric("opt_outs." + c, s.opt_outs[c])];
    }));
    // Replies that may be a "no" (docs/replies.md): held for a person, and how the holds ended.
    var holds = s.holds || {};
    var rows = Object.keys(holds).sort().map(function (k) { return [k.replace(/_/g, " "), metric("holds." + k, holds[k])]; });
    rows.push(["wrong numbers taken off", metric("wrong_numbers", s.wrong_numbers || 0)]);
    table("holds", ["Replies held for a person", "Count"], rows);
  }

  function range() {
    var days = Number($("period").value);
    return "?from=" + shift(-(days - 1));
  }
  var today = null;
  function shift(n) {
    var d = new Date(today + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function load() {
    $("login").hidden = true; $("report").hidden = false;
    $("error").textContent = "";
    return api("/stats/daily").then(function (d) {
      today = d.to;
      return Promise.all([api("/stats"), api("/stats/daily" + range() + "&to=" + today)]);
    }).then(function (both) {
      render(both[0]);
      charts(both[1]);
      document.body.dataset.loaded = "true";
    }).catch(fail);
  }

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(keyName, $("key").value.trim());
    $("key").value = "";
    load();
  });
  $("period").addEventListener("change", function () { document.body.dataset.loaded = ""; load(); });
  $("csv").addEventListener("click", function () {
    api("/stats/daily" + range() + "&to=" + today + "&format=csv").then(function (text) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
      a.download = "cartback-" + store + ".csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
    }).catch(fail);
  });

  if (sessionStorage.getItem(keyName)) { load(); } else { showLogin(); }
})();
