"""Least privilege, proved on the calls the functions really make: each function reaches AWS
through its own recording proxy in front of moto, which notes every operation (service and
action, read from the SigV4 credential scope and the request, as IAM names them) and the
resource it touched; at the end each operation must be granted by that function's policy in
infra/template.yaml, on a resource the grant names. A permission the code needs and the
template forgot fails the run; a grant no call in the story used is reported, since the story
does not reach every path.

Reading a request: JSON protocols name the operation in X-Amz-Target (DynamoDB, SQS, SSM, End
User Messaging); SES v2 is REST (POST /v2/email/outbound-emails is SendEmail)."""

import fnmatch
import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# SigV4 service names whose IAM prefix differs.
IAM_PREFIX = {"email": "ses", "sms-voice": "sms-voice", "dynamodb": "dynamodb", "sqs": "sqs", "ssm": "ssm",
              "bedrock": "bedrock"}
REST_OPERATIONS = [("POST", re.compile(r"^/v2/email/outbound-emails/?$"), "SendEmail")]


# Operations IAM authorizes as others: a batch as its single form (SQS documents the same
# permission for both), a DynamoDB transaction as each item's own write.
SAME_AS = {"sqs:SendMessageBatch": "sqs:SendMessage", "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
           "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility"}
TRANSACT_ITEM = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
                 "ConditionCheck": "dynamodb:ConditionCheckItem", "Get": "dynamodb:GetItem"}


def operations(method, path, headers, body):
    """The (iam action, resource) pairs one SDK request needs, or [] for what is not an AWS call."""
    auth = headers.get("authorization", "")
    m = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request", auth)
    if not m:
        return []
    service = IAM_PREFIX.get(m.group(1), m.group(1))
    target = headers.get("x-amz-target")
    if target:
        op = target.rsplit(".", 1)[-1]
    else:
        op = next((name for meth, pat, name in REST_OPERATIONS if meth == method and pat.match(path.split("?")[0])), None)
        if op is None:
            form = dict(p.split("=", 1) for p in body.decode(errors="replace").split("&") if "=" in p)
            op = form.get("Action", f"{method} {path}")
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        doc = {}
    doc = doc if isinstance(doc, dict) else {}
    if service == "dynamodb" and op in ("TransactWriteItems", "TransactGetItems"):
        out = []
        for item in doc.get("TransactItems", []):
            for kind, spec in item.items():
                out.append((TRANSACT_ITEM.get(kind, f"dynamodb:{kind}"), spec.get("TableName", "")))
        return out
    hint = doc.get("TableName") or doc.get("QueueUrl") or doc.get("Name") or ""
    if doc.get("IndexName"):
        hint += "/index/" + doc["IndexName"]
    if not hint and doc.get("Names"):
        hint = doc["Names"][0]
    if not hint and isinstance(doc.get("RequestItems"), dict) and doc["RequestItems"]:
        hint = next(iter(doc["RequestItems"]))
    action = f"{service}:{op}"
    return [(SAME_AS.get(action, action), hint)]


def forward(handler, upstream, body):
    """Passes the request `handler` holds (its body already read) to `upstream` (a urlsplit) and
    writes the answer back."""
    c = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
    c.request(handler.command, handler.path, body, dict(handler.headers.items()))
    r = c.getresponse()
    data = r.read()
    handler.send_response(r.status)
    for k, v in r.getheaders():
        if k.lower() not in ("content-length", "transfer-encoding", "connection"):
            handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
    c.close()


class RecordingProxy:
    """Forwards every request to `upstream` (moto), keeping each operation it carries."""

    def __init__(self, name, upstream):
        self.name, self.calls = name, {}
        up = urlsplit(upstream)
        rec = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                for action, hint in operations(self.command, self.path, headers, body):
                    rec.calls.setdefault(action, set()).add(hint)
                forward(self, up, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()


def resolved(tpl, resource):
    """A resource as the story created it, or a placeholder for one it did not create (the KMS
    key, the alarm topic): such a grant covers no call the proxy can see."""
    try:
        return tpl.resolve(resource)
    except KeyError as e:
        return f"<not created here: {e}>"


def grants(tpl, logical_id):
    """(action pattern, resource patterns) of a function's inline policies, resolved."""
    out = []
    for pol in tpl.resources[logical_id]["Properties"].get("Policies", []):
        if not isinstance(pol, dict) or "Statement" not in pol:
            continue
        for st in pol["Statement"]:
            if st.get("Effect") != "Allow":
                continue
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            resources = st.get("Resource", "*")
            resources = resources if isinstance(resources, list) else [resources]
            out.extend((a, [resolved(tpl, r) for r in resources]) for a in actions)
    return out


def covers(resources, hint):
    """Whether a grant's resources cover what the call touched: a table or one of its indexes by
    exact name, a queue by name, an SSM parameter by path pattern. A call that names no resource
    (SES's SendEmail names its identity in the body) is covered by any grant of the action."""
    if not hint:
        return True
    for r in (str(r) for r in resources):
        if r == "*":
            return True
        if ":table/" in r:
            if fnmatch.fnmatch(hint, r.split(":table/", 1)[1]):
                return True
        elif ":parameter" in r:
            if fnmatch.fnmatch(hint, r.split(":parameter", 1)[1]):
                return True
        elif r.startswith("arn:aws:sqs:"):
            if hint.startswith("http") and hint.rstrip("/").rsplit("/", 1)[-1] == r.rsplit(":", 1)[-1]:
                return True
        elif hint in r:
            return True
    return False


def audit(tpl, proxies):
    """Missing permissions (fatal) and unused grants (reported), per function."""
    missing, unused = [], []
    for lid, proxy in proxies.items():
        g = grants(tpl, lid)
        for action, hints in sorted(proxy.calls.items()):
            for hint in sorted(hints):
                if not any(fnmatch.fnmatch(action, a) and covers(res, hint) for a, res in g):
                    missing.append(f"{lid}: {action} on {hint or '(no resource)'}")
        used = set(proxy.calls)
        for a, _ in g:
            if not any(fnmatch.fnmatch(u, a) for u in used):
                unused.append(f"{lid}: {a}")
    return missing, sorted(set(unused))
