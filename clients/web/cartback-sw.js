/*! Cartback service worker — web push notifications (docs/web-push.md). MIT.
 *
 * Served by Cartback at /v1/push/sw.js. A service worker must come from the shop's own origin, so
 * the shop serves one line at its root, /cartback-sw.js:
 *     importScripts("https://<your Cartback API>/v1/push/sw.js");
 * and the snippet registers it when the shopper says yes to notifications.
 *
 * A push carries one JSON document (the browser has decrypted it):
 *     {"v": 1, "title": "…", "body": "…", "url": "https://…/r/…", "lang": "nb", "tag": "…"}
 * It is shown as a notification; a click opens `url` (the signed restore link), or focuses a tab
 * already on it.
 */
"use strict";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

function readPush(data) {
  var m = null;
  try { m = data ? data.json() : null; } catch (e) { m = null; }
  if (!m || typeof m.title !== "string" || typeof m.body !== "string") return null;
  var url = null;
  try { url = m.url ? new URL(m.url) : null; } catch (e) { url = null; }
  // Only a web address is opened: never javascript:, data: or the like.
  if (url && url.protocol !== "https:" && url.protocol !== "http:") url = null;
  return { title: m.title.slice(0, 120), body: m.body.slice(0, 500), url: url && url.href,
           lang: typeof m.lang === "string" ? m.lang : "", tag: typeof m.tag === "string" ? m.tag : "cartback" };
}

self.addEventListener("push", function (e) {
  var m = readPush(e.data);
  // Every push must show something (userVisibleOnly); one that does not read says nothing odd.
  if (!m) return;
  e.waitUntil(self.registration.showNotification(m.title, {
    body: m.body,
    lang: m.lang,
    tag: m.tag,
    renotify: false,
    dir: /^(fa|ar|he|ur)\b/.test(m.lang) ? "rtl" : "auto",
    data: { url: m.url }
  }));
});

self.addEventListener("notificationclick", function (e) {
  var url = e.notification && e.notification.data && e.notification.data.url;
  e.notification.close();
  if (!url) return;
  e.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (tabs) {
    for (var i = 0; i < tabs.length; i++) {
      if (tabs[i].url === url && "focus" in tabs[i]) return tabs[i].focus();
    }
    return self.clients.openWindow(url);
  }));
});
