"""The providers the test cannot reach, as real HTTP servers that check each request: Twilio's
Messages API (basic auth, form fields) and a merchant's hand-off endpoint that verifies the
Standard Webhooks signature with its own implementation of the scheme (not Cartback's)."""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def _serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class TwilioFake:
    """`POST /2010-04-01/Accounts/{sid}/Messages.json`. Numbers in `throttled` get Twilio's 429
    (code 20429: nothing was taken, so Cartback may retry); everything else is accepted and kept
    in `sent`. `GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PhoneNumber=…` lists the
    account's numbers in `numbers` (phone → its `sms_url`, `sms_method`) as Twilio's list
    resource does: one page, the match or an empty list."""

    def __init__(self, account_sid, auth_token, throttled=()):
        self.sent, self.refused, self.problems = [], [], []
        self.numbers = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                expected = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
                path, _, query = self.path.partition("?")
                if path != f"/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers.json":
                    fake.problems.append(f"GET {self.path}")
                    return self._json(404, {"code": 20404, "message": "not found"})
                if self.headers.get("Authorization") != expected:
                    fake.problems.append("bad basic auth")
                    return self._json(401, {"code": 20003, "message": "Authenticate"})
                want = parse_qs(query).get("PhoneNumber", [None])[0]
                listed = [
                    {"sid": "PN" + hashlib.md5(n.encode()).hexdigest(), "account_sid": account_sid,
                     "phone_number": n, "friendly_name": n, "sms_url": v["sms_url"],
                     "sms_method": v.get("sms_method", "POST"), "sms_fallback_url": "", "status_callback": "",
                     "capabilities": {"sms": True, "mms": True, "voice": True},
                     "uri": f"/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers/PN.json"}
                    for n, v in fake.numbers.items() if want is None or n == want]
                self._json(200, {"incoming_phone_numbers": listed, "page": 0, "page_size": 50, "start": 0,
                                 "end": max(len(listed) - 1, 0), "next_page_uri": None, "previous_page_uri": None,
                                 "first_page_uri": self.path, "uri": self.path})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                expected = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
                form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
                if self.path != f"/2010-04-01/Accounts/{account_sid}/Messages.json":
                    fake.problems.append(f"path {self.path}")
                    return self._json(404, {"code": 20404, "message": "not found"})
                if self.headers.get("Authorization") != expected:
                    fake.problems.append("bad basic auth")
                    return self._json(401, {"code": 20003, "message": "Authenticate"})
                if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    fake.problems.append(f"content type {self.headers.get('Content-Type')}")
                missing = [k for k in ("To", "Body") if not form.get(k)]
                if missing or not (form.get("From") or form.get("MessagingServiceSid")):
                    fake.problems.append(f"form lacks {missing or 'From/MessagingServiceSid'}")
                    return self._json(400, {"code": 21604, "message": "missing parameter"})
                if form["To"] in throttled:
                    fake.refused.append(form)
                    return self._json(429, {"code": 20429, "message": "Too Many Requests"})
                sid = "SM" + uuid.uuid4().hex
                fake.sent.append(dict(form, sid=sid))
                self._json(201, {"sid": sid, "status": "queued", "to": form["To"]})

            def _json(self, status, v):
                b = json.dumps(v).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

        self.server = _serve(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def standard_webhooks_verify(secret, headers, body, tolerance=300):
    """The Standard Webhooks scheme (standardwebhooks.com): HMAC-SHA256 over
    `{webhook-id}.{webhook-timestamp}.{body}` keyed by the base64 after `whsec_`; the header
    holds space-separated `v1,<base64>` signatures; the timestamp within five minutes."""
    msg_id, ts, sigs = (headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and ts and sigs):
        return "missing header"
    if abs(time.time() - int(ts)) > tolerance:
        return "timestamp outside tolerance"
    key = base64.b64decode(secret.removeprefix("whsec_"))
    want = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    for s in sigs.split(" "):
        version, _, sig = s.partition(",")
        if version == "v1" and hmac.compare_digest(sig, want):
            return None
    return "no matching signature"


class HandoffReceiver:
    """The merchant's end of `alert_webhook`: keeps each verified delivery, counts the rest.
    `down` makes it answer that many next deliveries 503, as an endpoint that is down; their
    webhook-ids are kept in `refused`."""

    def __init__(self, secret):
        self.verified, self.rejected, self.refused = [], [], []
        self.down = 0
        rx = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                problem = standard_webhooks_verify(secret, headers, body)
                if rx.down > 0:
                    rx.down -= 1
                    rx.refused.append(headers.get("webhook-id"))
                    self.send_response(503)
                elif problem:
                    rx.rejected.append(problem)
                    self.send_response(401)
                else:
                    rx.verified.append({"id": headers["webhook-id"], "body": json.loads(body)})
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = _serve(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cartback-handoffs"


def twilio_signature(auth_token, url, params):
    """X-Twilio-Signature as Twilio's helper libraries compute it: HMAC-SHA1 over the URL and the
    POST parameters sorted by name, each name followed by its value."""
    data = url + "".join(k + v for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


class StorefrontFake:
    """A Shopify storefront's `GET /products.json`: the products of `products_file`, `per_page` a
    page, the next page named in a `Link: <…>; rel="next"` header (`page_info`, as Shopify's REST
    pagination does); `limit` must be 250 or less, like Shopify's. Each request's query is kept in
    `seen`; anything else is a problem."""

    def __init__(self, products_file, per_page=5):
        with open(products_file) as f:
            self.products = json.load(f)["products"]
        self.seen, self.problems = [], []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                path, _, query = self.path.partition("?")
                q = {k: v[0] for k, v in parse_qs(query).items()}
                fake.seen.append(query)
                if path != "/products.json":
                    fake.problems.append(f"GET {self.path}")
                    return self._json(404, {"errors": "Not Found"})
                try:
                    limit = int(q.get("limit", "30"))
                    page = int(q.get("page_info", "p1")[1:]) - 1
                except ValueError:
                    fake.problems.append(f"bad query {query}")
                    return self._json(400, {"errors": "bad query"})
                if limit > 250:
                    fake.problems.append(f"limit {limit}")
                    return self._json(400, {"errors": "limit must be 250 or less"})
                items = fake.products[page * per_page:(page + 1) * per_page]
                headers = {}
                if (page + 1) * per_page < len(fake.products):
                    host = self.headers.get("Host")
                    headers["Link"] = f'<http://{host}/products.json?limit={limit}&page_info=p{page + 2}>; rel="next"'
                self._json(200, {"products": items}, headers)

            def _json(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = _serve(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
