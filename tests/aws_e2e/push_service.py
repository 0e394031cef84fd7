"""A browser's push service (RFC 8030) as a real HTTP server, and the browser's half of each
subscription: it checks every request as a push service would — the VAPID claim (RFC 8292: an
ES256 JWT for this origin, unexpired, with a contact, signed by the key in `k=`), `TTL`,
`Content-Encoding: aes128gcm` — and decrypts the body with the subscription's private key
(RFC 8291 / RFC 8188), written here from the RFCs with `cryptography`, not with Cartback's code.
Subscriptions marked `gone` answer 410, as one the browser dropped."""

import base64
import json
import os
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hkdf(salt, ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def verify_vapid(header, origin, now):
    """`vapid t=…, k=…` → None if valid, else what is wrong."""
    if not header.startswith("vapid "):
        return "not a vapid authorization"
    parts = dict(p.strip().split("=", 1) for p in header[6:].split(","))
    token, key = parts.get("t", ""), parts.get("k", "")
    try:
        head, claims, sig = token.split(".")
        if json.loads(unb64u(head)) != {"typ": "JWT", "alg": "ES256"}:
            return f"header {unb64u(head)!r}"
        raw = unb64u(sig)
        if len(raw) != 64:
            return "signature length"
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(key))
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except Exception as e:  # noqa: BLE001 — any failure is a refusal, named
        return f"signature: {e!r}"
    c = json.loads(unb64u(claims))
    if c.get("aud") != origin:
        return f"aud {c.get('aud')!r} is not {origin!r}"
    if not (now < c.get("exp", 0) <= now + 24 * 3600):
        return f"exp {c.get('exp')} not within 24 h of {now}"
    if not str(c.get("sub", "")).startswith(("mailto:", "https:")):
        return f"sub {c.get('sub')!r}"
    return None


class Subscription:
    """The browser's half: its P-256 key pair and auth secret; `toJSON()` as a browser gives it."""

    def __init__(self, endpoint):
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.public = self.private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    def to_json(self):
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64u(self.public), "auth": b64u(self.auth)}}

    def decrypt(self, body):
        salt, rs, idlen = body[:16], struct.unpack(">I", body[16:20])[0], body[20]
        sender = body[21:21 + idlen]
        records = body[21 + idlen:]
        if rs < 18 or len(records) > rs:
            raise ValueError("aes128gcm: one record expected")
        shared = self.private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender))
        ikm = _hkdf(self.auth, shared, b"WebPush: info\x00" + self.public + sender, 32)
        cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
        plain = AESGCM(cek).decrypt(nonce, records, None).rstrip(b"\x00")
        if not plain.endswith(b"\x02"):
            raise ValueError("aes128gcm: the last record's delimiter is missing")
        return plain[:-1], len(records)


class PushServiceFake:
    """Keeps each message it took as {"path", "ttl", "urgency", "topic", "payload", "size"}; every
    request that fails a check is kept in `problems`."""

    def __init__(self):
        self.taken, self.problems, self.gone, self.answered_gone = [], [], set(), []
        self.subscriptions = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                h = {k.lower(): v for k, v in self.headers.items()}
                status, problem = fake._take(self.path, h, body)
                if problem:
                    fake.problems.append(f"{self.path}: {problem}")
                self.send_response(status)
                if status == 201:
                    self.send_header("Location", f"{fake.origin}/message/{len(fake.taken)}")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def subscribe(self, name):
        s = Subscription(f"{self.origin}/push/{name}")
        self.subscriptions[f"/push/{name}"] = s
        return s

    def _take(self, path, h, body):
        sub = self.subscriptions.get(path)
        if sub is None:
            return 404, "no such subscription"
        if path in self.gone:
            self.answered_gone.append(path)
            return 410, None
        why = verify_vapid(h.get("authorization", ""), self.origin, int(time.time()))
        if why:
            return 401, why
        if h.get("content-encoding") != "aes128gcm" or not h.get("ttl", "").isdigit():
            return 400, f"headers {h.get('content-encoding')!r} ttl={h.get('ttl')!r}"
        try:
            plain, size = sub.decrypt(body)
            payload = json.loads(plain)
        except Exception as e:  # noqa: BLE001
            return 400, f"does not decrypt: {e!r}"
        self.taken.append({"path": path, "ttl": int(h["ttl"]), "urgency": h.get("urgency"), "topic": h.get("topic"),
                           "payload": payload, "size": size})
        return 201, None


def vapid_pair():
    """A store's VAPID key pair as `cartback vapid-keys` writes one: base64url of the 32-byte
    private scalar and of the 65-byte public point — made here, not by Cartback."""
    k = ec.generate_private_key(ec.SECP256R1())
    public = k.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64u(k.private_numbers().private_value.to_bytes(32, "big")), b64u(public)
