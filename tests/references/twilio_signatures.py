"""Differential test: Cartback's X-Twilio-Signature against Twilio's official library
(twilio-python's RequestValidator, pinned in scripts/requirements-references.txt) over generated
requests: repeated parameters with equal and different values, empty values, non-ASCII names and
values, URLs with ports, queries and credentials, both HMAC-SHA1 and HMAC-SHA256.

Usage: python twilio_signatures.py PATH_TO_CARTBACK [N]
"""
import json
import random
import subprocess
import sys

from twilio import __version__ as twilio_version
from twilio.request_validator import HMAC_SHA1, HMAC_SHA256, RequestValidator


class MultiDict(dict):
    """What a web framework hands the validator: every value of a repeated name (`getall`)."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs
        for k, _ in pairs:
            self[k] = None

    def getall(self, name):
        return [v for k, v in self.pairs if k == name]


def main():
    binary, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rng = random.Random(20261130)
    names = ["From", "To", "Body", "MessageSid", "AccountSid", "NumMedia", "Tag", "tag", "ÖzelAlan", "x", "Body2", ""]
    values = ["", "+905321234567", "STOP", "kargo çok pahalı", "لغو", "a b&c=d", "x", "X", "🛒", "0", "line\nbreak"]
    urls = ["https://api.example/v1/replies/twilio/demo", "https://api.example:8443/v1/status/twilio/demo?x=1",
            "http://127.0.0.1:8787/v1/replies/twilio/demo", "https://user:pw@api.example/v1/replies/twilio/shop-1"]
    cases = []
    for _ in range(n):
        pairs = []
        for _ in range(rng.randint(0, 8)):
            name = rng.choice(names)
            pairs.append((name, rng.choice(values)))
            if rng.random() < 0.2:  # a repeated parameter, same or another value
                pairs.append((name, rng.choice([pairs[-1][1], rng.choice(values)])))
        token = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        cases.append({"url": rng.choice(urls), "token": token, "params": pairs,
                      "algorithm": rng.choice([HMAC_SHA1, HMAC_SHA256])})
    out = subprocess.run([binary, "twilio-sign", "--batch"], input="\n".join(json.dumps(c) for c in cases) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(cases) or not cases:
        print(f"FAIL {len(out)} signatures for {len(cases)} requests")
        sys.exit(1)
    differences = 0
    for case, ours in zip(cases, out, strict=True):
        v = RequestValidator(case["token"])
        want = v.compute_signature(case["url"], MultiDict(case["params"]), case["algorithm"])
        if ours != want:
            differences += 1
            if differences <= 10:
                print(f"DIFF {json.dumps(case, ensure_ascii=False)}: cartback {ours}, twilio {want}")
        elif not v.validate(case["url"], MultiDict(case["params"]), ours, case["algorithm"]):
            differences += 1
            print(f"DIFF the library refuses our signature: {json.dumps(case, ensure_ascii=False)}")
    print(f"twilio signatures vs twilio-python {twilio_version} RequestValidator: {n} requests, {differences} differences")
    sys.exit(1 if differences else 0)


main()
