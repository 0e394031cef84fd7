"""`cartback doctor` against the stack the story deployed. moto holds the stack's resources but
cannot run a SAM template (nor, without a large set of extras, CloudFormation at all), so three
operations doctor makes are answered by `AwsGaps` in front of moto from AWS's documented
responses, after checking each request is a SigV4-signed call for that service: CloudFormation's
DescribeStacks (the stack: the template's parameters and its outputs, resolved as the story
resolves the rest — the API's URL is the story's HTTP API), Lambda's GetAccountSettings and SES
v2's GetAccount. Every other request goes through to moto. The Twilio number's webhook is read from the story's
Twilio fake (IncomingPhoneNumbers, as Twilio documents it), and the WhatsApp verification goes to
the replies function through the API.

Doctor is run twice: as a new account meets it (a quota of 10, the number's webhook left on
Twilio's demo URL) it must name both and exit 1; after they are put right it must exit 0, the
SES sandbox still a warning. Every AWS call it made must be a read."""

import json
import re
import subprocess
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from iam_audit import forward, operations

# What doctor may call: reads only (docs/deploy-aws.md lists them for the operator's policy).
READS = {"cloudformation:DescribeStacks", "lambda:GetAccountSettings", "ses:GetAccount", "ses:GetEmailIdentity",
         "dynamodb:GetItem", "ssm:GetParameter", "ssm:GetParameters"}


class AwsGaps:
    """moto, with the two read operations it lacks answered as AWS documents them."""

    def __init__(self, upstream):
        self.quota, self.production = 10, False
        self.stacks = {}  # name → (status, parameters, outputs)
        self.calls, self.problems = [], []
        up = urlsplit(upstream)
        gaps = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = self.path.split("?")[0]
                scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", headers.get("authorization", ""))
                if self.command == "GET" and path.rstrip("/") == "/2016-08-19/account-settings":
                    gaps.calls.append("lambda:GetAccountSettings")
                    if not scope or scope.group(2) != "lambda":
                        gaps.problems.append(f"GetAccountSettings not signed for lambda: {headers.get('authorization')}")
                    # https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
                    return self._json({"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                                                        "CodeSizeZipped": 52428800,
                                                        "ConcurrentExecutions": gaps.quota,
                                                        "UnreservedConcurrentExecutions": gaps.quota},
                                       "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 4}})
                if self.command == "GET" and path.rstrip("/") == "/v2/email/account":
                    gaps.calls.append("ses:GetAccount")
                    if not scope or scope.group(2) != "ses":
                        gaps.problems.append(f"GetAccount not signed for ses: {headers.get('authorization')}")
                    # https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html
                    return self._json({"DedicatedIpAutoWarmupEnabled": False, "EnforcementStatus": "HEALTHY",
                                       "ProductionAccessEnabled": gaps.production, "SendingEnabled": True,
                                       "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0,
                                                     "SentLast24Hours": 0.0},
                                       "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}})
                if scope and scope.group(2) == "cloudformation":
                    form = dict(parse_qsl(body.decode()))
                    gaps.calls.append(f"cloudformation:{form.get('Action')}")
                    return self._stacks(form)
                found = operations(self.command, self.path, headers, body)
                if scope and scope.group(2) == "ses" and path.startswith("/v2/email/identities/"):
                    found = [("ses:GetEmailIdentity" if self.command == "GET" else f"ses:{self.command}", path)]
                gaps.calls.extend(a for a, _ in found)
                forward(self, up, body)

            def _stacks(self, form):
                # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
                name = form.get("StackName", "")
                if form.get("Action") != "DescribeStacks":
                    gaps.problems.append(f"CloudFormation {form.get('Action')}")
                if form.get("Action") != "DescribeStacks" or name not in gaps.stacks:
                    return self._xml(400, f"<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
                                          f"<Message>Stack with id {escape(name)} does not exist</Message></Error>"
                                          f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
                status, params, outputs = gaps.stacks[name]
                members = lambda d, k, v: "".join(f"<member><{k}>{escape(a)}</{k}><{v}>{escape(b)}</{v}></member>"
                                                  for a, b in d.items())
                self._xml(200, '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
                               f"<DescribeStacksResult><Stacks><member><StackName>{escape(name)}</StackName>"
                               f"<StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/{escape(name)}/{uuid.uuid4()}</StackId>"
                               "<CreationTime>2026-12-01T10:00:00Z</CreationTime>"
                               f"<StackStatus>{status}</StackStatus><DisableRollback>false</DisableRollback>"
                               f"<Parameters>{members(params, 'ParameterKey', 'ParameterValue')}</Parameters>"
                               f"<Outputs>{members(outputs, 'OutputKey', 'OutputValue')}</Outputs>"
                               "</member></Stacks></DescribeStacksResult>"
                               f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
                               "</DescribeStacksResponse>")

            def _xml(self, status, text):
                b = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

            def _json(self, v):
                b = json.dumps(v).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()


def stack_outputs(tpl, api_url, table_name, region):
    """The template's outputs as CloudFormation would give them, the API's host replaced by the
    story's HTTP API."""
    placeholder = "HTTPAPIID"
    tpl.physical.setdefault("HttpApi", {"ref": placeholder})
    tpl.params.setdefault("AWS::URLSuffix", "amazonaws.com")
    out = {}
    for key in ("ApiUrl", "TableName", "TwilioWebhookUrl", "WhatsappWebhookUrl"):
        value = tpl.resolve(tpl.doc["Outputs"][key]["Value"])
        out[key] = value.replace(f"https://{placeholder}.execute-api.{region}.amazonaws.com", api_url)
    out["TableName"] = table_name
    return out


def guide_commands(guide):
    """Every `cartback` command docs/deploy-aws.md tells an operator to run, in order, as its
    words after `cargo run --release -p cartback --`, comments dropped."""
    prefix = "cargo run --release -p cartback -- "
    out = []
    for line in guide.read_text().splitlines():
        for m in re.finditer(re.escape(prefix) + r"([^`#\n]+)", line):
            out.append(m.group(1).split())
    return out


def run_guide(check, cli, env, guide, values):
    """Runs the guide's commands with this stack's values in place of its placeholders; each
    must succeed. The commands it cannot run here (`sam build`, `sam deploy`: no SAM on moto)
    are the only others in the guide."""
    commands = guide_commands(guide)
    check(len(commands) >= 3, f"the deploy guide names its cartback commands ({len(commands)} found)")
    for words in commands:
        args = [values.get(w, w) for w in words]
        out = subprocess.run([str(cli / "cartback"), *args], capture_output=True, text=True, env=env)
        check(out.returncode == 0, f"docs/deploy-aws.md: `cartback {' '.join(words)}` runs against this stack "
                                   f"(rc {out.returncode}) {out.stderr.strip()[-300:] if out.returncode else ''}")


def check_doctor(check, cli, aws, tpl, stage, table_name, api_url, twilio, store, number, guide=None, config=None):
    region = aws["region_name"]
    outputs = stack_outputs(tpl, api_url, table_name, region)
    params = {k: str(v) for k, v in tpl.params.items() if not k.startswith("AWS::") and v is not None}
    params["Stage"] = stage
    name = f"cartback-{stage}"
    gaps = AwsGaps(aws["endpoint_url"])
    gaps.stacks[name] = ("CREATE_COMPLETE", params, outputs)
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": region,
           "AWS_ENDPOINT_URL": gaps.url, "AWS_EC2_METADATA_DISABLED": "true", "CARTBACK_TWILIO_URL": twilio.url,
           "PATH": "/usr/bin:/bin"}
    try:
        # As a new account meets it: the quota of a new account, the number not pointed at us.
        twilio.numbers[number] = {"sms_url": "https://demo.twilio.com/welcome/sms/reply/", "sms_method": "POST"}
        first = subprocess.run([str(cli / "cartback"), "doctor", "--stack", name], capture_output=True, text=True, env=env)
        lines = first.stdout.splitlines()
        fixes = [l for l in lines if l.startswith("  FIX")]
        check(first.returncode == 1 and len(fixes) == 2
              and any("lambda: DispatcherMaxConcurrency 10 takes the account's whole concurrency quota (10)" in l for l in fixes)
              and any(f"twilio: store {store}: number" in l and "demo.twilio.com" in l and outputs["TwilioWebhookUrl"].replace("{store}", store) in l for l in fixes),
              f"cartback doctor names a new account's quota and a number whose webhook points elsewhere, exit 1: {fixes}")
        # Put right, as the doctor said.
        gaps.quota = 1000
        twilio.numbers[number]["sms_url"] = outputs["TwilioWebhookUrl"].replace("{store}", store)
        second = subprocess.run([str(cli / "cartback"), "doctor", "--stack", name], capture_output=True, text=True, env=env)
        lines = second.stdout.splitlines()
        want = ["  ok    stack: CREATE_COMPLETE", "  ok    lambda: concurrency quota 1000", "  ok    ssm: deployment key",
                f"  ok    stores: 1 in table {table_name}, every secret present in SSM: {store}",
                f"  ok    public_url: {api_url}",
                # The address or its domain: moto may hold the address from earlier tests.
                f"  ok    ses: store {store}: sends as ",
                "  WARN  ses: the account is in the SES sandbox", f"  ok    twilio: store {store}: number",
                f"  ok    whatsapp: store {store}: {outputs['WhatsappWebhookUrl'].replace('{store}', store)} answers Meta's verification"]
        missing = [w for w in want if not any(l.startswith(w) for l in lines)]
        check(second.returncode == 0 and not missing and not [l for l in lines if l.startswith("  FIX")],
              f"cartback doctor after the fixes: exit {second.returncode}, {lines[-1] if lines else ''}; missing {missing}"
              + (f"\n{second.stdout}{second.stderr}" if missing or second.returncode else ""))
        writes = sorted(set(gaps.calls) - READS)
        check(not writes and not gaps.problems and {"lambda:GetAccountSettings", "ses:GetAccount"} <= set(gaps.calls),
              f"cartback doctor only reads ({len(gaps.calls)} AWS calls: {sorted(set(gaps.calls))}); not reads: {writes}; "
              f"problems: {gaps.problems}")
        if guide is not None:
            # The operator's steps as the guide writes them, on this stack (docs/deploy-aws.md).
            run_guide(check, cli, env, guide, {'"$TABLE"': table_name, "prod": stage, "mystore.toml": str(config),
                                               "cartback": name})
    finally:
        gaps.stop()
