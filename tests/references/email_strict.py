"""Every built-in e-mail, in every built-in language, as SES would send it (`cartback
email-preview`), read by Python's `email` package with `policy.strict` (which raises on any
defect), then checked header by header: RFC 2047 encoded words of at most 75 characters, a
decodable non-ASCII sender name, `Date` and `Message-ID`, an HTTPS one-click unsubscribe
(RFC 8058), and both parts decodable. Then the products the e-mail recommends
(docs/recommendations.md), read from the HTML part with Python's `html.parser` and from the
text part: the heading in the message's language, the three products the documented rules give
for a cart holding the merino sweater — computed here from docs/examples/products.json, not by
the code under test — none in the cart, none sold out, each with its lowest in-stock price in
the message's digits, and each link a tracked one (`?rec={seq}.{index}`).

Usage: python email_strict.py PATH_TO_CARTBACK
"""
import json
import re
import subprocess
from html.parser import HTMLParser
import sys
import tempfile
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path


CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "products.json"
IN_CART = "MW-SWT-S-NAV"
FALLBACK = ["canvas-tote-bag"]
HEADING = {"en": "You might also like:", "tr": "Bunlar da hoşuna gidebilir:", "nb": "Kanskje du også liker:",
           "fa": "شاید این‌ها را هم بپسندید:"}
PERSIAN = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def expected_products():
    """The documented order: the cart's products' `goes_with` list, then the same collection,
    then the same product type, then most shared tags, then the merchant's fallback; never in
    the cart, never without a variant in stock; three at most."""
    products = json.loads(CATALOGUE.read_text())["products"]
    cart = [p for p in products if any(v.get("sku") == IN_CART for v in p["variants"])]
    ids = {str(p["id"]) for p in cart}
    low = lambda s: {x.strip().lower() for x in s}
    ranked = []
    for i, c in enumerate(products):
        if str(c["id"]) in ids or not any(v.get("available") for v in c["variants"]):
            continue
        listed = [p.get("goes_with", []).index(str(c["id"])) for p in cart if str(c["id"]) in p.get("goes_with", [])]
        tags = max((len(low(c.get("tags", [])) & low(p.get("tags", []))) for p in cart), default=0)
        if listed:
            key = (0, min(listed), i)
        elif any(low(c.get("collections", [])) & low(p.get("collections", [])) for p in cart):
            key = (1, -tags, i)
        elif c.get("product_type") and any(c["product_type"].lower() == p.get("product_type", "").lower() for p in cart):
            key = (2, -tags, i)
        elif tags:
            key = (3, -tags, i)
        else:
            continue
        ranked.append((key, c))
    picked = [c for _, c in sorted(ranked, key=lambda t: t[0])]
    for handle in FALLBACK:
        c = next(p for p in products if p["handle"] == handle)
        if c not in picked and str(c["id"]) not in ids and any(v.get("available") for v in c["variants"]):
            picked.append(c)
    return picked[:3]


class Recommendations(HTMLParser):
    """The heading after the text and the list under it: (href, title, the text after the link)."""

    def __init__(self):
        super().__init__()
        self.heading, self.items, self.where = "", [], None

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.where = "h2"
        elif tag == "a" and self.heading:
            self.items.append([dict(attrs)["href"], "", ""])
            self.where = "a"
        elif tag == "li":
            self.where = None

    def handle_endtag(self, tag):
        if tag in ("h2", "a"):
            self.where = "li" if tag == "a" and self.items else None

    def handle_data(self, data):
        if self.where == "h2":
            self.heading += data
        elif self.where == "a":
            self.items[-1][1] += data
        elif self.where == "li" and self.items:
            self.items[-1][2] += data


def check_recommendations(lang, html, text, problems):
    want = expected_products()
    r = Recommendations()
    r.feed(html)
    if r.heading != HEADING[lang]:
        problems.append(f"{lang}: recommendations heading {r.heading!r}")
    # The unsubscribe link follows the list: only the list's links carry `rec`.
    items = [i for i in r.items if "?rec=" in i[0]]
    if [i[1] for i in items] != [p["title"] for p in want]:
        problems.append(f"{lang}: recommended {[i[1] for i in items]}, the rules give {[p['title'] for p in want]}")
    for k, ((href, title, after), p) in enumerate(zip(items, want)):
        if not re.fullmatch(rf"https://cartback\.shop\.example/r/[A-Za-z0-9_-]{{22}}\?rec=\d+\.{k}", href):
            problems.append(f"{lang}: link {href!r}")
        prices = sorted(v["price"] for v in p["variants"] if v.get("available"))
        digits = re.sub(r"\D", "", after.translate(PERSIAN))
        if digits != prices[0].replace(".", ""):
            problems.append(f"{lang}: {title} priced {after!r}, lowest in stock {prices[0]}")
        if href not in text or title not in text:
            problems.append(f"{lang}: {title} missing from the text part")
    if HEADING[lang] not in text:
        problems.append(f"{lang}: the text part has no recommendations heading")


def main():
    binary = sys.argv[1]
    problems, checked = [], 0
    with tempfile.TemporaryDirectory() as d:
        written = subprocess.run([binary, "email-preview", "--dir", d], check=True, capture_output=True,
                                 text=True).stdout.splitlines()
        found = sorted(Path(d).glob("*.eml"))
        # One message per built-in language (the binary names each file it wrote): none missing,
        # none extra, and at least the four languages the project ships.
        if sorted(map(Path, written)) != found or not {"en", "tr", "nb", "fa"} <= {p.stem for p in found}:
            problems.append(f"messages written {[Path(w).name for w in written]}, found {[p.name for p in found]}")
        for path in found:
            raw = path.read_bytes()
            lang = path.stem
            msg = message_from_bytes(raw, policy=policy.strict)  # raises on a defect
            checked += 1
            for word in re.findall(rb"=\?[^?]+\?[BbQq]\?[^?]*\?=", raw):
                if len(word) > 75:
                    problems.append(f"{lang}: encoded word of {len(word)} characters (RFC 2047: 75)")
            if any(not line.isascii() for line in raw.split(b"\r\n")):
                problems.append(f"{lang}: raw 8-bit bytes in the message")
            if str(msg["From"].addresses[0].display_name) != "Dükkân Şahin":
                problems.append(f"{lang}: From display name {msg['From']!r}")
            if parsedate_to_datetime(str(msg["Date"])) is None:
                problems.append(f"{lang}: no Date")
            if not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(msg["Message-ID"])):
                problems.append(f"{lang}: Message-ID {msg['Message-ID']!r}")
            unsub = str(msg["List-Unsubscribe"])
            if not unsub.startswith("<https://"):
                problems.append(f"{lang}: List-Unsubscribe {unsub!r} is not HTTPS")
            if str(msg["List-Unsubscribe-Post"]) != "List-Unsubscribe=One-Click":
                problems.append(f"{lang}: List-Unsubscribe-Post")
            parts = [p.get_content() for p in msg.walk() if p.get_content_maintype() == "text"]
            if len(parts) != 2 or not all(parts):
                problems.append(f"{lang}: {len(parts)} text parts")
            else:
                text = next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")
                html = next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/html")
                check_recommendations(lang, html, text, problems)
            for defect in msg.defects:
                problems.append(f"{lang}: {defect!r}")
    for p in problems:
        print("DIFF", p)
    print(f"e-mail vs Python {sys.version.split()[0]} email.policy.strict: {checked} messages, {len(problems)} problems")
    sys.exit(1 if problems or checked == 0 else 0)


main()
