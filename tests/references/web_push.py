"""Differential test: Cartback's web push messages against independent implementations.

For generated cases (browser key pairs made here by `cryptography`, auth secrets, payloads of
every length up to the limit in text and binary, with and without padding, VAPID key pairs made
here), `cartback web-push` encrypts each payload and signs each VAPID claim. Then:
- Mozilla's `http_ece` (pinned, scripts/requirements-references.txt) decrypts the body with the
  browser's private key and auth secret, as a browser would (RFC 8291, `aes128gcm`), and the
  plaintext must come back byte for byte; the header's record size and key id are checked;
- `cryptography` verifies the JWT's ES256 signature with the public key the header names, and
  the claims are checked against RFC 8292 (`aud` the endpoint's origin, `exp` at most 24 hours
  ahead, `sub`);
- malformed subscriptions and payloads over the limit must be refused with the right reason.

Usage: python web_push.py PATH_TO_CARTBACK [N]
"""
import base64
import json
import random
import subprocess
import sys
from urllib.parse import urlsplit

import cryptography
import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_PLAINTEXT = 4096 - 86 - 17


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def key_pair():
    k = ec.generate_private_key(ec.SECP256R1())
    raw_pub = k.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return k, raw_pub


def main():
    binary, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rng = random.Random(20261207)
    endpoints = ["https://fcm.googleapis.com/fcm/send/dXJpOmZha2U", "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
                 "https://web.push.apple.com/QGuQyavXutnMmY", "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
                 "https://push.example:8443/p/1?x=y"]
    texts = ["Your cart is waiting", "Sepetin seni bekliyor 🛒", "Handlekurven din venter på deg", "سبد خرید شما منتظر شماست",
             '{"title":"Demo Shop","body":"Still thinking it over?","url":"https://shop.example/r/abc"}']
    vapid = []
    for _ in range(4):
        k, pub = key_pair()
        vapid.append((k.private_numbers().private_value.to_bytes(32, "big"), pub))
    cases, expect = [], []
    for i in range(n):
        ua, ua_pub = key_pair()
        auth = rng.randbytes(16)
        kind = i % 4
        if kind == 0:
            plaintext = rng.choice(texts).encode()
        elif kind == 1:
            plaintext = rng.randbytes(rng.randint(0, MAX_PLAINTEXT))
        elif kind == 2:
            plaintext = (rng.choice(texts) * 200).encode()[:rng.randint(1, MAX_PLAINTEXT)]
        else:
            plaintext = rng.randbytes(rng.choice([0, 1, MAX_PLAINTEXT - 1, MAX_PLAINTEXT]))
        d, q = rng.choice(vapid)
        case = {"p256dh": b64(ua_pub), "auth": b64(auth), "plaintext": b64(plaintext), "pad_to": rng.choice([0, 0, 32, 256]),
                "vapid_private": b64(d), "vapid_public": b64(q), "endpoint": rng.choice(endpoints),
                "subject": rng.choice(["mailto:shop@example.com", "https://shop.example/contact"]), "now": 1_796_000_000 + i}
        cases.append(case)
        expect.append(("ok", ua, auth, plaintext))
    # What must be refused, and why.
    _, good_pub = key_pair()
    off_curve = bytearray(good_pub)
    off_curve[64] ^= 1
    d, q = vapid[0]
    base = {"pad_to": 0, "vapid_private": b64(d), "vapid_public": b64(q), "endpoint": endpoints[0], "subject": "mailto:a@b.c", "now": 0}
    for p256dh, auth, plaintext, why in [
        (bytes(off_curve), bytes(16), b"x", "p256dh"),
        (good_pub[:33], bytes(16), b"x", "p256dh"),
        (good_pub, bytes(15), b"x", "auth"),
        (good_pub, bytes(16), bytes(MAX_PLAINTEXT + 1), "at most"),
    ]:
        cases.append({**base, "p256dh": b64(p256dh), "auth": b64(auth), "plaintext": b64(plaintext)})
        expect.append(("error", why, None, None))
    cases.append({**base, "p256dh": b64(good_pub), "auth": b64(bytes(16)), "plaintext": b64(b"x"), "vapid_public": b64(vapid[1][1])})
    expect.append(("error", "VAPID", None, None))

    out = subprocess.run([binary, "web-push"], input="\n".join(json.dumps(c) for c in cases) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(cases):
        print(f"FAIL {len(out)} answers for {len(cases)} cases")
        sys.exit(1)
    bad = 0

    def fail(i, what):
        nonlocal bad
        bad += 1
        if bad <= 10:
            print(f"DIFF case {i}: {what}")

    for i, (case, line, (kind, a, b, c)) in enumerate(zip(cases, out, expect, strict=True)):
        got = json.loads(line)
        if kind == "error":
            if a not in got.get("error", ""):
                fail(i, f"expected a refusal naming {a!r}, got {line[:200]}")
            continue
        if "error" in got:
            fail(i, got["error"])
            continue
        body = unb64(got["body"])
        if body[16:20] != (4096).to_bytes(4, "big") or body[20] != 65:
            fail(i, "header: record size or key id length")
        try:
            plain = http_ece.decrypt(body, private_key=a, auth_secret=b, version="aes128gcm")
        except Exception as e:  # noqa: BLE001 — any failure to decrypt is the finding
            fail(i, f"http_ece could not decrypt: {e!r}")
            continue
        if plain != c:
            fail(i, f"plaintext differs ({len(plain)} bytes back, {len(c)} sent)")
        auth = got["authorization"]
        if not auth.startswith("vapid t=") or ", k=" not in auth:
            fail(i, f"authorization {auth[:40]}")
            continue
        token, k = auth[len("vapid t="):].split(", k=")
        if k != case["vapid_public"]:
            fail(i, "k= is not the VAPID public key")
        header, claims, sig = token.split(".")
        sig = unb64(sig)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(k))
        try:
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
            public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except Exception as e:  # noqa: BLE001
            fail(i, f"the JWT's ES256 signature does not verify: {e!r}")
        h, cl = json.loads(unb64(header)), json.loads(unb64(claims))
        parts = urlsplit(case["endpoint"])
        origin = f"{parts.scheme}://{parts.netloc}"
        if h.get("alg") != "ES256" or cl.get("aud") != origin or cl.get("sub") != case["subject"]:
            fail(i, f"claims {h} {cl}, expected aud {origin}")
        if not (case["now"] < cl.get("exp", 0) <= case["now"] + 24 * 3600):
            fail(i, f"exp {cl.get('exp')} not within 24 h of {case['now']}")
    print(f"web push vs http_ece {getattr(http_ece, '__version__', '1.2.1')} and cryptography {cryptography.__version__}: "
          f"{len(cases)} cases ({n} sent, {len(cases) - n} refused), {bad} differences")
    sys.exit(1 if bad else 0)


main()
