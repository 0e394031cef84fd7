"""Differential test: when Cartback first allows a text message (`cartback allowed-from`) against
a brute-force walk in Python's zoneinfo over the pinned `tzdata` package (never the system's
/usr/share/zoneinfo), with the jurisdiction rules read from shared/core/rules/compliance.toml
and the phone's country from libphonenumber (`phonenumbers`).

The answer is the first instant at or after `at` at which the recipient's local time in `zone`
lies in the store's window `quiet` ("HH:MM-HH:MM", start <= t < end, every day) and in the
rule's window: `hours`, or on Sundays `sunday` when given ("closed": no message all day). The
rule is the state's (`US-XX`) for a "+1" number whose area code a `[us_states.XX]` lists, else the
phone's country's (`CC`) when `[countries.CC]` exists, else none (`-`). If `at` is not allowed,
whole-minute instants after it are tried in turn, for at most 9 days: every window edge and
every UTC-offset change falls on a whole minute (checked for the transitions used here).

Cases: instants over 2026-2028 (whole seconds) in zones drawn from every zone tzdata has, with
extra weight on zones with DST or odd offsets; and about 30 % within 3 hours of one of the
UTC-offset changes of a zone drawn from those that have some over the period (same extra
weight); store windows opening in the morning (some at 00:30 or 02:30, inside common DST gaps)
and closing in the afternoon or evening; phones null or valid numbers: US numbers with the
states' area codes, other US and Canadian numbers, French, Norwegian and Turkish mobiles,
libphonenumber's example mobiles.

Protocol: one JSON object a line on stdin, {"at", "zone", "quiet", "phone"}; one line a case
back, "<unix seconds> <rule>".

Usage: quiet_hours.py CARTBACK_BIN CASES [SEED]"""
import zoneinfo

# Before anything reads a zone: only the pinned tzdata package, never /usr/share/zoneinfo.
zoneinfo.reset_tzpath(to=[])

import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import phonenumbers  # noqa: E402
import tzdata  # noqa: E402
from phonenumbers import PhoneNumberType  # noqa: E402

RULES_FILE = Path(__file__).resolve().parents[2] / "shared" / "core" / "rules" / "compliance.toml"
START = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())
END = int(datetime(2029, 1, 1, tzinfo=timezone.utc).timestamp())  # through 2028-12-31
DAY = 86400
WALK_LIMIT = 9 * DAY
NEAR_TRANSITION = 3 * 3600
CLOSED = "closed"
FAVOURED_ZONES = [
    "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/Paris", "Europe/Istanbul",
    "Asia/Tehran", "Australia/Lord_Howe", "America/Havana", "Asia/Kathmandu", "Pacific/Chatham",
    "America/St_Johns", "Europe/Oslo", "UTC",
]


def window(text):
    """"HH:MM-HH:MM" as (start, end) in seconds after local midnight."""
    start, end = text.split("-")
    (sh, sm), (eh, em) = (map(int, start.split(":")), map(int, end.split(":")))
    assert 0 <= sh < 24 and 0 <= sm < 60 and 0 <= eh < 24 and 0 <= em < 60, text
    return sh * 3600 + sm * 60, eh * 3600 + em * 60


def load_rules():
    """{name: (hours, sunday)} and {area code: state rule name}."""
    data = tomllib.loads(RULES_FILE.read_text())
    rules, areas = {}, {}

    def rule(entry):
        sunday = entry.get("sunday")
        return window(entry["hours"]), (CLOSED if sunday == CLOSED else window(sunday) if sunday else None)

    for code, entry in data.get("countries", {}).items():
        rules[code] = rule(entry)
    for state, entry in data.get("us_states", {}).items():
        name = "US-" + state
        rules[name] = rule(entry)
        for area in entry["area_codes"]:
            area = f"{area:03d}"
            assert area not in areas, f"area code {area} listed under two states"
            areas[area] = name
    return rules, areas


RULES, AREAS = load_rules()
ZONES = {}


def zone(name):
    tz = ZONES.get(name)
    if tz is None:
        tz = ZONES[name] = zoneinfo.ZoneInfo(name)
    return tz


def rule_name(phone):
    if phone is None:
        return "-"
    if phone.startswith("+1") and phone[2:5] in AREAS:
        return AREAS[phone[2:5]]
    region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    return region if region in RULES and region is not None else "-"


def allowed(x, tz, store, rule):
    local = datetime.fromtimestamp(x, tz)
    t = local.hour * 3600 + local.minute * 60 + local.second
    if not store[0] <= t < store[1]:
        return False
    if rule is None:
        return True
    hours, sunday = rule
    if sunday is not None and local.weekday() == 6:
        if sunday == CLOSED:
            return False
        hours = sunday
    return hours[0] <= t < hours[1]


def reference(case):
    """(first allowed instant or None when none within 9 days, rule name)."""
    at, tz, store = case["at"], zone(case["zone"]), window(case["quiet"])
    name = rule_name(case["phone"])
    rule = RULES.get(name)
    if allowed(at, tz, store, rule):
        return at, name
    x = (at // 60 + 1) * 60
    while x - at <= WALK_LIMIT:
        if allowed(x, tz, store, rule):
            return x, name
        x += 60
    return None, name


TRANSITIONS = {}


def transitions(name):
    """The instants in [START, END) at which the zone's UTC offset changes (daily scan, then bisection)."""
    found = TRANSITIONS.get(name)
    if found is not None:
        return found
    tz = zone(name)

    def offset(x):
        return datetime.fromtimestamp(x, tz).utcoffset()

    found = []
    lo = START - 4 * DAY
    before = offset(lo)
    while lo < END + 4 * DAY:
        hi = lo + DAY
        after = offset(hi)
        if after != before:
            a, b = lo, hi  # offset(a) == before, offset(b) != before
            while b - a > 1:
                mid = (a + b) // 2
                if offset(mid) == before:
                    a = mid
                else:
                    b = mid
            if START - NEAR_TRANSITION <= b < END + NEAR_TRANSITION:
                # The minute walk relies on this.
                assert b % 60 == 0, f"{name} changes its offset at {b}, not on a whole minute"
                found.append(b)
        lo, before = hi, after
    TRANSITIONS[name] = found
    return found


def phone_generators(rng):
    def valid(raw):
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(raw))
        except phonenumbers.NumberParseException:
            return False

    def digits(n):
        return "".join(str(rng.randrange(10)) for _ in range(n))

    state_areas = sorted(AREAS)

    def us_state():
        for _ in range(50):
            area = rng.choice(state_areas)
            for raw in ("+1" + area + "555" + digits(4), "+1" + area + "2" + digits(2) + digits(4)):
                if valid(raw):
                    return raw
        return None

    # Other US and Canadian area codes that libphonenumber takes (found once, in order).
    other_areas = []
    for n in range(200, 1000):
        area = str(n)
        if area in AREAS:
            continue
        for exchange in ("234", "555", "456", "789"):
            num = phonenumbers.parse("+1" + area + exchange + "1234")
            if phonenumbers.is_valid_number(num) and phonenumbers.region_code_for_number(num) in ("US", "CA"):
                other_areas.append(area)
                break

    def us_ca_other():
        for _ in range(50):
            raw = "+1" + rng.choice(other_areas) + str(rng.randrange(2, 10)) + digits(2) + digits(4)
            if valid(raw) and phonenumbers.region_code_for_number(phonenumbers.parse(raw)) in ("US", "CA"):
                return raw
        return None

    def prefixed(prefix, n):
        def make():
            for _ in range(50):
                raw = prefix + digits(n)
                if valid(raw):
                    return raw
            return None
        return make

    regions = sorted(phonenumbers.SUPPORTED_REGIONS)

    def example():
        for _ in range(50):
            ex = phonenumbers.example_number_for_type(rng.choice(regions), PhoneNumberType.MOBILE)
            if ex is not None and phonenumbers.is_valid_number(ex):
                return phonenumbers.format_number(ex, phonenumbers.PhoneNumberFormat.E164)
        return None

    return [
        (35, us_state), (20, us_ca_other), (10, prefixed("+336", 8)), (10, prefixed("+479", 7)),
        (10, prefixed("+90532", 7)), (15, example),
    ]


def cases(rng, n):
    all_zones = sorted(zoneinfo.available_timezones())
    missing = [z for z in FAVOURED_ZONES if z not in all_zones]
    assert not missing, f"tzdata lacks {missing}"
    # Zones that change their UTC offset over the period, for the cases placed near a change.
    changing = [z for z in all_zones if transitions(z)]
    favoured_changing = [z for z in FAVOURED_ZONES if z in changing]
    generators = phone_generators(rng)
    weights = [w for w, _ in generators]
    out = []
    near = 0
    while len(out) < n:
        if rng.random() < 0.3:
            name = rng.choice(favoured_changing) if rng.random() < 0.4 else rng.choice(changing)
            at = rng.choice(TRANSITIONS[name]) + rng.randint(-NEAR_TRANSITION, NEAR_TRANSITION)
            near += 1
        else:
            name = rng.choice(FAVOURED_ZONES) if rng.random() < 0.4 else rng.choice(all_zones)
            at = rng.randrange(START, END)
        if rng.random() < 0.2:
            start = rng.choice(["00:30", "02:30"])
        else:
            start = f"{rng.randrange(12):02d}:{rng.choice([0, 15, 30, 45]):02d}"
        end = f"{rng.randrange(12, 24):02d}:{rng.choice([0, 30, 59]):02d}"
        phone = None
        if rng.random() >= 0.25:
            while phone is None:
                phone = rng.choices(generators, weights)[0][1]()
        out.append({"at": at, "zone": name, "quiet": f"{start}-{end}", "phone": phone})
    return out, near


def utc(*args):
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())


def self_check():
    """Worked by hand, so that the walk itself is held to something besides the binary."""
    known = [
        # New York springs forward on Sunday 2026-03-08 at 07:00 UTC (02:00 EST -> 03:00 EDT):
        # 02:30 never happens that night, the window opens at 03:00 EDT.
        ({"at": utc(2026, 3, 8, 6, 10), "zone": "America/New_York", "quiet": "02:30-20:00", "phone": None},
         (utc(2026, 3, 8, 7, 0), "-")),
        # ... and falls back on 2026-11-01 at 06:00 UTC: 01:30 EDT comes first.
        ({"at": utc(2026, 11, 1, 4, 0), "zone": "America/New_York", "quiet": "01:30-20:00", "phone": None},
         (utc(2026, 11, 1, 5, 30), "-")),
        # France: nothing on Sunday 2026-03-01, Monday opens at 08:00 CET.
        ({"at": utc(2026, 3, 1, 10, 0), "zone": "Europe/Paris", "quiet": "08:00-23:00", "phone": "+33612345678"},
         (utc(2026, 3, 2, 7, 0), "FR")),
        # Texas (San Antonio, 210): noon on Sundays.
        ({"at": utc(2026, 3, 1, 15, 0), "zone": "America/Chicago", "quiet": "00:00-23:59", "phone": "+12105551234"},
         (utc(2026, 3, 1, 18, 0), "US-TX")),
        # New York City (212): the federal rule; the store closed at 20:00, the rule opens at 08:00.
        ({"at": utc(2026, 1, 5, 1, 30, 30), "zone": "America/New_York", "quiet": "00:00-20:00", "phone": "+12125551234"},
         (utc(2026, 1, 5, 13, 0), "US")),
        # Allowed already, at an instant that is not a whole minute; the end is excluded.
        ({"at": utc(2026, 6, 15, 16, 59, 59), "zone": "UTC", "quiet": "09:00-17:00", "phone": "+14165551234"},
         (utc(2026, 6, 15, 16, 59, 59), "-")),
        ({"at": utc(2026, 6, 15, 17, 0, 0), "zone": "UTC", "quiet": "09:00-17:00", "phone": None},
         (utc(2026, 6, 16, 9, 0), "-")),
        # Not a whole minute and not allowed: the next whole minute.
        ({"at": utc(2026, 6, 15, 8, 59, 1), "zone": "UTC", "quiet": "09:00-17:00", "phone": None},
         (utc(2026, 6, 15, 9, 0), "-")),
    ]
    bad = [(c, want, got) for c, want in known if (got := reference(c)) != want]
    for c, want, got in bad:
        print(f"SELF-CHECK {json.dumps(c)}: expected {want}, the reference says {got}")
    return not bad


def local(x, name):
    try:
        return datetime.fromtimestamp(x, zone(name)).strftime("%Y-%m-%d %H:%M:%S %a %Z")
    except (OverflowError, OSError, ValueError):
        return "out of range"


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.rsplit("\n", 1)[-1], file=sys.stderr)
        sys.exit(2)
    binary, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    if not self_check():
        sys.exit(1)
    rng = random.Random(seed)
    inputs, near = cases(rng, n)
    lines = "".join(json.dumps(c) + "\n" for c in inputs)
    proc = subprocess.run([binary, "allowed-from"], input=lines, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"quiet hours: {binary} allowed-from exited with {proc.returncode}:\n{proc.stderr[-3000:]}")
        sys.exit(1)
    got = proc.stdout.splitlines()
    failed = False
    if len(got) != len(inputs):
        print(f"quiet hours: {len(inputs)} cases sent, {len(got)} lines back")
        failed = True
    began = time.monotonic()
    diffs = []
    with_rule = 0
    for case, line in zip(inputs, got):
        want_at, want_rule = reference(case)
        if want_rule != "-":
            with_rule += 1
        m = re.fullmatch(r"(-?[0-9]+) (\S+)", line)
        if not m:
            print(f"quiet hours: unparsable answer {line!r} to {json.dumps(case)}")
            failed = True
            continue
        have = (int(m[1]), m[2])
        if want_at is None or have != (want_at, want_rule):
            diffs.append((case, (want_at, want_rule), have))
    took = time.monotonic() - began
    for case, (want_at, want_rule), (have_at, have_rule) in diffs[:10]:
        ours = (f"{want_at} {want_rule} ({local(want_at, case['zone'])})" if want_at is not None
                else f"none within 9 days {want_rule}")
        print(f"DIFF {json.dumps(case)} ({local(case['at'], case['zone'])}): "
              f"ours {ours}, binary {have_at} {have_rule} ({local(have_at, case['zone'])})")
    zones = len({c["zone"] for c in inputs})
    print(f"quiet hours vs Python zoneinfo (tzdata {tzdata.IANA_VERSION}): {len(inputs)} cases over {zones} zones, "
          f"{with_rule} with a rule, {len(diffs)} differences "
          f"(seed {seed}, {near} within 3 h of an offset change, phonenumbers {phonenumbers.__version__}, "
          f"reference {took:.1f} s)")
    if not inputs:
        print("quiet hours: no case ran")
        failed = True
    sys.exit(1 if failed or diffs else 0)


if __name__ == "__main__":
    main()
