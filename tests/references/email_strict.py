"""Every built-in e-mail, in every built-in language, as SES would send it (`cartback
email-preview`), read by Python's `email` package with `policy.strict` (which raises on any
defect), then checked header by header: RFC 2047 encoded words of at most 75 characters, a
decodable non-ASCII sender name, `Date` and `Message-ID`, an HTTPS one-click unsubscribe
(RFC 8058), and both parts decodable.

Usage: python email_strict.py PATH_TO_CARTBACK
"""
import re
import subprocess
import sys
import tempfile
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path


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
            for defect in msg.defects:
                problems.append(f"{lang}: {defect!r}")
    for p in problems:
        print("DIFF", p)
    print(f"e-mail vs Python {sys.version.split()[0]} email.policy.strict: {checked} messages, {len(problems)} problems")
    sys.exit(1 if problems or checked == 0 else 0)


main()
