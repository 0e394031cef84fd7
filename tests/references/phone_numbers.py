"""Differential test: Cartback's phone verdicts and time zones against libphonenumber for Python
(`phonenumbers`, pinned in scripts/requirements-references.txt, the same metadata version as the
Rust crate Cartback reads).

Numbers are generated from every region and non-geographic code: each type's example number,
one-digit changes, one digit more or less, the national prefix written after the country code,
random digit strings, written with and without formatting; and national forms read in their
region (the national format, with the international prefix, with the country code but no +).
For each: the E.164 form when valid (else `-`), `time_zones_for_number` (else `-`), and
`region_code_for_number`, the country a `countries` condition judges (else `-`).

Usage: phone_numbers.py CARTBACK_BIN CASES [SEED]"""
import json
import random
import subprocess
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, timezone

TYPES = [
    PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.VOIP, PhoneNumberType.SHARED_COST, PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.UAN,
    PhoneNumberType.PAGER, PhoneNumberType.VOICEMAIL,
]

KNOWN = [
    "+35322123453", "+86101234567", "+8623123456789", "+632323456785", "+6323234567", "+36401234567",
    "+3532521674880", "+822323922284", "+78121234567", "+78432123456", "+78001234567", "+3758011234567",
]
REGIONS_SEEN = set()


def reference(raw, region):
    try:
        n = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return "-\t-\t-"
    if not phonenumbers.is_valid_number(n):
        return "-\t-\t-"
    zones = [z for z in timezone.time_zones_for_number(n) if z != "Etc/Unknown"]
    # The country a `countries` condition judges (non-geographic codes are "001": none).
    country = phonenumbers.region_code_for_number(n)
    country = country if country and country != "001" else "-"
    return phonenumbers.format_number(n, PhoneNumberFormat.E164) + "\t" + (" ".join(zones) or "-") + "\t" + country


def formatted(rng, e164):
    """The same digits as a person might write them."""
    digits = e164[1:]
    style = rng.randrange(4)
    if style == 0:
        return e164
    cut = rng.randrange(1, 4)
    if style == 1:
        return "+" + digits[:cut] + " " + " ".join(digits[cut + i:cut + i + 3] for i in range(0, len(digits) - cut, 3))
    if style == 2:
        return "+" + digits[:cut] + " (" + digits[cut:cut + 3] + ") " + digits[cut + 3:cut + 6] + "-" + digits[cut + 6:]
    return "+" + digits[:cut] + "." + digits[cut:]


def cases(rng, n):
    examples = []  # (region or None, e164)
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for t in TYPES:
            ex = phonenumbers.example_number_for_type(region, t)
            if ex is not None:
                examples.append((region, phonenumbers.format_number(ex, PhoneNumberFormat.E164)))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        ex = phonenumbers.example_number_for_non_geo_entity(code)
        if ex is not None:
            examples.append((None, phonenumbers.format_number(ex, PhoneNumberFormat.E164)))
    REGIONS_SEEN.update(r or e[:4] for r, e in examples)
    # The numbers the first check against libphonenumber found judged differently (issue #17).
    out = [(e, None) for e in KNOWN]
    out += [(e, None) for _, e in examples]
    codes = sorted({phonenumbers.parse(e).country_code for _, e in examples})
    while len(out) < n:
        region, e164 = rng.choice(examples)
        code = str(phonenumbers.parse(e164).country_code)
        national = e164[1 + len(code):]
        kind = rng.randrange(8)
        if kind == 0:  # one digit changed
            i = rng.randrange(len(national))
            national = national[:i] + str(rng.randrange(10)) + national[i + 1:]
        elif kind == 1:  # one digit more or less
            national = national + str(rng.randrange(10)) if rng.random() < 0.5 else national[:-1]
        elif kind == 2 and region is not None:  # the national prefix written after the code
            prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix
            if prefix:
                national = prefix + national
        elif kind == 3:  # random digits after a real code
            code = str(rng.choice(codes))
            national = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(4, 15)))
        elif kind == 4 and region is not None:  # national forms read in the region
            num = phonenumbers.parse(e164)
            form = rng.randrange(3)
            if form == 0:
                raw = phonenumbers.format_number(num, PhoneNumberFormat.NATIONAL)
            elif form == 1:
                raw = phonenumbers.format_out_of_country_calling_number(num, "US" if region != "US" else "GB")
                region = "US" if region != "US" else "GB"
            else:
                raw = code + " " + national
            if all(c.isdigit() or c in " -.()/" for c in raw):
                out.append((raw, region))
            continue
        elif kind == 5:  # digits changed in the national format, read in the region
            if region is None:
                continue
            raw = phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.NATIONAL)
            i = rng.randrange(len(raw))
            if raw[i].isdigit():
                raw = raw[:i] + str(rng.randrange(10)) + raw[i + 1:]
            if all(c.isdigit() or c in " -.()/" for c in raw):
                out.append((raw, region))
            continue
        out.append((formatted(rng, "+" + code + national), None))
    return out


def main():
    binary, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(seed)
    inputs = cases(rng, n)
    lines = "".join(json.dumps({"raw": raw, "region": region}) + "\n" for raw, region in inputs)
    got = subprocess.run([binary, "phone-numbers"], input=lines, capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(got) == len(inputs), (len(got), len(inputs))
    diffs = [(raw, region, want, have) for (raw, region), have in zip(inputs, got) if (want := reference(raw, region)) != have]
    valid = sum(1 for line in got if not line.startswith("-"))
    regions = len({r for _, r in inputs if r})
    print(f"phone numbers: {len(inputs)} cases ({valid} valid; {sum(1 for _, r in inputs if r)} national forms "
          f"read in {regions} regions; examples of {len(REGIONS_SEEN)} regions and non-geographic codes), phonenumbers {phonenumbers.__version__}, seed {seed}: {len(diffs)} differences")
    for raw, region, want, have in diffs[:30]:
        print(f"  {raw!r} in {region}: libphonenumber {want!r}, Cartback {have!r}")
    sys.exit(1 if diffs else 0)


main()
