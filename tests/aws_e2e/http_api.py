"""An API Gateway HTTP API in front of the function emulators: a real HTTP server whose requests
become payload-format-2.0 events (the shape of tests/fixtures/aws/example-apigw-v2-request-*.json)
for the route that matches in the template, and whose responses are the functions' answers.
A request no route matches gets API Gateway's own 404."""

import base64
import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# Bodies API Gateway passes as text; everything else arrives base64-encoded.
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


def event_for(method, raw_path, raw_query, headers, body, source_ip, route, params):
    lower = {}
    for k, v in headers:
        k = k.lower()
        lower[k] = f"{lower[k]},{v}" if k in lower else v
    cookies = [c.strip() for c in lower.pop("cookie", "").split(";") if c.strip()]
    lower["x-forwarded-for"] = f"{lower['x-forwarded-for']}, {source_ip}" if "x-forwarded-for" in lower else source_ip
    lower.setdefault("x-forwarded-proto", "http")
    now = time.time()
    event = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": lower,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "e2eapi",
            "domainName": lower.get("host", "127.0.0.1"),
            "domainPrefix": "e2eapi",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": lower.get("user-agent", "")},
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": route.key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if raw_query:
        q = {}
        for k, v in parse_qsl(raw_query, keep_blank_values=True):
            q[k] = f"{q[k]},{v}" if k in q else v
        event["queryStringParameters"] = q
    if params:
        event["pathParameters"] = params
    if body:
        ctype = lower.get("content-type", "")
        if ctype.startswith(TEXT_TYPES):
            try:
                event["body"] = body.decode()
            except UnicodeDecodeError:
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


def write(handler, status, headers, body, cookies=()):
    handler.send_response(status)
    for k, v in headers.items():
        if k not in ("content-length", "transfer-encoding", "connection"):
            handler.send_header(k, v)
    for c in cookies:
        handler.send_header("set-cookie", c)
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def answer(handler, resp):
    """A function's response (payload format 2.0) as the HTTP answer."""
    headers = {k.lower(): v for k, v in (resp.get("headers") or {}).items()}
    for k, vs in (resp.get("multiValueHeaders") or {}).items():
        headers[k.lower()] = ",".join(vs)
    out = resp.get("body") or ""
    out = base64.b64decode(out) if resp.get("isBase64Encoded") else out.encode()
    write(handler, int(resp.get("statusCode", 200)), headers, out, resp.get("cookies") or [])


def function_url_event(method, raw_path, raw_query, headers, body, source_ip, url_id):
    """A Lambda function URL's request: the same payload format 2.0, without a route (`$default`,
    no `pathParameters`), from the URL's own domain (AWS's "Lambda function URLs request and
    response payloads")."""
    class Default:
        key = "$default"
    event = event_for(method, raw_path, raw_query, headers, body, source_ip, Default, None)
    domain = f"{url_id}.lambda-url.us-east-1.on.aws"
    event["requestContext"].update({"apiId": url_id, "domainName": domain, "domainPrefix": url_id})
    event["headers"]["host"] = domain
    return event


class FunctionUrl:
    """One function behind its own URL (`FrontDoor=FunctionUrl`): every request goes to it,
    which routes it itself."""

    def __init__(self, function, url_id):
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                resp = function.invoke(function_url_event(self.command, url.path, url.query, self.headers.items(),
                                                          body, self.client_address[0], url_id))
                answer(self, resp)

            do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        front.function = function

    def stop(self):
        self.server.shutdown()


class HttpApi:
    def __init__(self, routes, functions):
        """routes: template Routes; functions: logical id → LambdaEmulator."""
        self.routes = routes
        self.functions = functions
        self.hits = Counter()  # route key → requests the function answered
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                for r in api.routes:
                    params = r.matches(self.command, url.path)
                    if params is not None:
                        break
                else:
                    return self._answer(404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
                event = event_for(self.command, url.path, url.query, self.headers.items(), body,
                                  self.client_address[0], r, params)
                try:
                    resp = api.functions[r.function].invoke(event)
                except Exception as e:  # API Gateway's answer to a failed integration
                    print(f"integration error on {r.key}: {e}")
                    return self._answer(500, {"content-type": "application/json"},
                                        b'{"message":"Internal Server Error"}')
                api.hits[r.key] += 1
                answer(self, resp)

            def _answer(self, status, headers, body, cookies=()):
                write(self, status, headers, body, cookies)

            do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def dumps(v):
    return json.dumps(v, separators=(",", ":"))
