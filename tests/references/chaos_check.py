"""An independent check of a chaos run's history (`cartback chaos --history FILE`, docs/chaos.md).

It shares no code with the engine and reads nothing of it: local times come from Python's
zoneinfo over the pinned `tzdata` package (never the system's /usr/share/zoneinfo), the
jurisdiction rules from shared/core/rules/compliance.toml and the phone's country from
libphonenumber (`phonenumbers`).

The invariants, each a count over the history's messages or carts:

  duplicate          two messages with the same (cart, step): every message after the first
  after_order        a message of a cart strictly after its `ordered_at`
  after_stop         a message strictly after its cart's `stopped_at` when it is an SMS or the
                     cart had a message (any channel) at or before the STOP; and any SMS or
                     WhatsApp message to the phone of any cart whose `stopped_at` is strictly
                     before it (the opt-out belongs to the address)
  after_unsubscribe  an e-mail to the address of any cart whose `unsubscribed_at` is strictly
                     before it
  after_erasure      a message of a cart strictly after its `erased_at`; plus one per entry of
                     `erased_left`
  quiet_hours        a message whose local time in the cart's zone is outside the store's
                     `quiet_hours` (start <= t < end), or, on SMS and WhatsApp, outside the
                     window of the rule for the cart's phone on that local weekday (`hours`, or
                     on Sundays `sunday` when given, "closed": none); the rule is the state's
                     for a "+1" number whose area code a `[us_states.XX]` lists, else the
                     country's `[countries.CC]`, else none
  sms_over_episodes  a cart with more SMS than its `final.episodes` (taken as at least 1)
  lost               a cart that ended "abandoned" or "active", not paused, with no step
                     recorded unknown or failed, and not dead-lettered

Reading: timestamps are compared exactly (to the nanosecond); a cart whose `zone` is null is
read in the store's `timezone`; a store `quiet_hours` of null means no store window (the rules
still apply); a window whose end is before its start runs over midnight. Only `unsubscribed_at`,
`erased_at`, a message's `to`, `erased_left` and `dead_lettered` may be missing (older files);
any other missing field, an unknown zone or cart, or a malformed timestamp refuses the file.

Usage: chaos_check.py HISTORY.json [--expect-broken NAME]

Exit 0 when no invariant is broken, 1 when one is, 2 when the file is refused. With
`--expect-broken NAME`: exit 0 only when NAME is broken (the planted fault was caught), else 1."""
import zoneinfo

# Before anything reads a zone: only the pinned tzdata package, never /usr/share/zoneinfo.
zoneinfo.reset_tzpath(to=[])

import argparse  # noqa: E402
import calendar  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import tomllib  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

RULES_FILE = Path(__file__).resolve().parents[2] / "shared" / "core" / "rules" / "compliance.toml"
INVARIANTS = [
    "duplicate", "after_order", "after_stop", "after_unsubscribe", "after_erasure",
    "quiet_hours", "sms_over_episodes", "lost",
]
TEXT_CHANNELS = ("sms", "whatsapp")
UNFINISHED = ("abandoned", "active")
CLOSED = "closed"
EXAMPLES = 5
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})"
)


class Refused(Exception):
    """The history (or the rules) cannot be checked: exit 2."""


try:
    import phonenumbers
    import tzdata
except ImportError as e:  # pragma: no cover - an environment problem, not a history problem
    print(f"chaos_check: refused: {e.name} is missing: run it in .venv-references "
          "(scripts/venv .venv-references scripts/requirements-references.txt)", file=sys.stderr)
    sys.exit(2)


# ----- times -----------------------------------------------------------------------------

def instant(text, where):
    """An RFC 3339 timestamp as integer nanoseconds since the epoch (exact, for the
    strictly-before/after comparisons); None stays None."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise Refused(f"{where}: timestamp {text!r} is not a string")
    m = TIMESTAMP.fullmatch(text)
    if not m:
        raise Refused(f"{where}: {text!r} is not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    try:
        datetime(year, month, day, hour, minute, second)  # rejects 2026-02-30, 24:00, :60
    except ValueError as e:
        raise Refused(f"{where}: {text!r}: {e}") from None
    frac = int((m.group(7) or "").ljust(9, "0"))
    offset = 0
    if m.group(8) not in ("Z", "z"):
        sign = -1 if m.group(8)[0] == "-" else 1
        offset = sign * (int(m.group(8)[1:3]) * 3600 + int(m.group(8)[4:6]) * 60)
    seconds = calendar.timegm((year, month, day, hour, minute, second)) - offset
    return seconds * 1_000_000_000 + frac


_zones = {}


def zone(name, where):
    tz = _zones.get(name)
    if tz is None:
        if not isinstance(name, str) or not name:
            raise Refused(f"{where}: zone {name!r} is not a zone name")
        try:
            tz = _zones[name] = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise Refused(f"{where}: zone {name!r} is not in tzdata {tzdata.IANA_VERSION}") \
                from None
    return tz


def local(ns, tz):
    """(seconds after local midnight, local weekday with Monday 0, local datetime). The
    sub-second part is dropped (floored): every window edge is a whole minute, so
    start <= t < end holds for the instant exactly when it holds for its whole second."""
    dt = (EPOCH + timedelta(seconds=ns // 1_000_000_000)).astimezone(tz)
    return dt.hour * 3600 + dt.minute * 60 + dt.second, dt.weekday(), dt


# ----- windows and rules -----------------------------------------------------------------

def window(text, where):
    """"HH:MM-HH:MM" as (start, end) in seconds after local midnight; "24:00" may end one."""
    m = None
    if isinstance(text, str):
        m = re.fullmatch(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", text.strip())
    if not m:
        raise Refused(f"{where}: window {text!r} is not \"HH:MM-HH:MM\"")
    sh, sm, eh, em = (int(g) for g in m.groups())
    start, end = sh * 3600 + sm * 60, eh * 3600 + em * 60
    if sh > 23 or sm > 59 or em > 59 or end > 86400:
        raise Refused(f"{where}: window {text!r} is not a time of day")
    if start == end:
        raise Refused(f"{where}: window {text!r} is empty (or the whole day?): ambiguous")
    return start, end


def hhmm(win):
    return "-".join(f"{x // 3600:02d}:{x % 3600 // 60:02d}" for x in win)


def inside(t, win):
    start, end = win
    if start < end:
        return start <= t < end
    return t >= start or t < end  # a window over midnight, e.g. "22:00-06:00"


def load_rules():
    """{rule name: (hours window or None, sunday window or CLOSED or None)} and
    {three-digit area code: state rule name}."""
    try:
        data = tomllib.loads(RULES_FILE.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise Refused(f"{RULES_FILE}: {e}") from None
    rules, areas = {}, {}

    def rule(entry, name):
        hours = entry.get("hours")
        sunday = entry.get("sunday")
        return (
            window(hours, f"{RULES_FILE.name} {name}.hours") if hours is not None else None,
            CLOSED if sunday == CLOSED else
            window(sunday, f"{RULES_FILE.name} {name}.sunday") if sunday is not None else None,
        )

    for code, entry in data.get("countries", {}).items():
        rules[code] = rule(entry, f"countries.{code}")
    for state, entry in data.get("us_states", {}).items():
        name = "US-" + state
        rules[name] = rule(entry, f"us_states.{state}")
        for area in entry.get("area_codes", []):
            area = f"{int(area):03d}"
            if area in areas:
                raise Refused(f"{RULES_FILE.name}: area code {area} listed under two states")
            areas[area] = name
    return rules, areas


class Jurisdictions:
    def __init__(self):
        self.rules, self.areas = load_rules()
        self._by_phone = {}

    def name(self, phone):
        """The rule's name for a phone: "US-XX", a country code, or "-" (no rule)."""
        if phone is None:
            return "-"
        name = self._by_phone.get(phone)
        if name is None:
            name = self._by_phone[phone] = self._name(phone)
        return name

    def _name(self, phone):
        if phone.startswith("+1") and phone[2:5] in self.areas:
            return self.areas[phone[2:5]]
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
        except phonenumbers.NumberParseException:
            return "-"
        return region if region is not None and region in self.rules else "-"

    def window_on(self, name, weekday):
        """The rule's window on that local weekday: a window, CLOSED, or None (no limit)."""
        rule = self.rules.get(name)
        if rule is None:
            return None
        hours, sunday = rule
        if weekday == 6 and sunday is not None:
            return sunday
        return hours


# ----- the history -----------------------------------------------------------------------

def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            history = json.load(f)
    except OSError as e:
        raise Refused(f"{path}: {e.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise Refused(f"{path}: not JSON: {e}") from None
    if not isinstance(history, dict):
        raise Refused(f"{path}: not a JSON object")
    if history.get("v") != 1:
        raise Refused(f"{path}: history version {history.get('v')!r}, this checker reads v 1")
    missing = [k for k in ("store", "carts", "messages") if k not in history]
    if missing:
        raise Refused(f"{path}: missing {', '.join(missing)}")
    if not isinstance(history["store"], dict):
        raise Refused(f"{path}: store is not an object")
    if not isinstance(history["carts"], list) or not isinstance(history["messages"], list):
        raise Refused(f"{path}: carts and messages must be lists")
    if not history["carts"]:
        raise Refused(f"{path}: no carts: nothing to check")
    return history


def field(obj, key, where, kinds=(str,), required=True, absent_ok=False):
    """obj[key] checked to be of one of kinds. required: not null either; else null is None.
    absent_ok: the key may be missing (older files), as null; otherwise it must be there."""
    if key not in obj and not absent_ok:
        raise Refused(f"{where}: no {key}")
    value = obj.get(key)
    if value is None:
        if required:
            raise Refused(f"{where}: {key} is null")
        return None
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
        raise Refused(f"{where}: {key} is {value!r}")
    return value


class Cart:
    def __init__(self, raw, i):
        where = f"carts[{i}]"
        if not isinstance(raw, dict):
            raise Refused(f"{where}: not an object")
        self.id = field(raw, "id", where)
        where = f"cart {self.id}"
        self.zone = field(raw, "zone", where, required=False)
        self.phone = field(raw, "phone", where, required=False)
        self.email = field(raw, "email", where, required=False)
        self.text = {}  # the timestamps as written, for the explanations
        for key in ("ordered_at", "stopped_at", "unsubscribed_at", "erased_at"):
            text = field(raw, key, where, required=False,
                         absent_ok=key in ("unsubscribed_at", "erased_at"))
            setattr(self, key, instant(text, f"{where} {key}"))
            self.text[key] = text
        final = field(raw, "final", where, kinds=(dict,))
        self.status = field(final, "status", f"{where} final")
        self.paused = field(final, "paused", f"{where} final", kinds=(bool,))
        self.episodes = field(final, "episodes", f"{where} final", kinds=(int,))
        self.unknown_or_failed = field(
            final, "unknown_or_failed_step", f"{where} final", kinds=(bool,))


class Message:
    def __init__(self, raw, i, carts):
        where = f"messages[{i}]"
        if not isinstance(raw, dict):
            raise Refused(f"{where}: not an object")
        self.cart_id = field(raw, "cart", where)
        if self.cart_id not in carts:
            raise Refused(f"{where}: cart {self.cart_id!r} is not among the carts")
        self.cart = carts[self.cart_id]
        self.step = field(raw, "step", where, kinds=(int, str))
        self.channel = field(raw, "channel", where)
        self.to = field(raw, "to", where, required=False, absent_ok=True)
        self.at_text = field(raw, "at", where)
        self.at = instant(self.at_text, f"{where} at")

    def __str__(self):
        to = self.to or "?"
        return f"{self.cart_id} step {self.step} {self.channel} to {to} at {self.at_text}"


# ----- the invariants --------------------------------------------------------------------

def check(history, juris):
    store = history["store"]
    store_zone_name = field(store, "timezone", "store", required=False)
    store_zone = zone(store_zone_name, "store timezone") if store_zone_name is not None else None
    if "quiet_hours" not in store:
        raise Refused("store: no quiet_hours (null, if the store has none)")
    quiet = store["quiet_hours"]
    store_window = window(quiet, "store quiet_hours") if quiet is not None else None

    carts = {}
    for i, raw in enumerate(history["carts"]):
        cart = Cart(raw, i)
        if cart.id in carts:
            raise Refused(f"carts[{i}]: cart {cart.id!r} appears twice")
        carts[cart.id] = cart
    messages = [Message(raw, i, carts) for i, raw in enumerate(history["messages"])]
    dead = history.get("dead_lettered") or []
    erased_left = history.get("erased_left") or []
    if not isinstance(dead, list) or not isinstance(erased_left, list):
        raise Refused("dead_lettered and erased_left must be lists")
    dead = set(dead)

    broken = {name: [] for name in INVARIANTS}  # name -> explanations, one per count
    by_cart = defaultdict(list)
    for m in messages:
        by_cart[m.cart_id].append(m)

    # duplicate
    seen = Counter()
    for m in messages:
        key = (m.cart_id, m.step)
        seen[key] += 1
        if seen[key] > 1:
            broken["duplicate"].append(f"{m}: (cart, step) sent {seen[key]} times")

    # address opt-outs: the earliest STOP on a phone, the earliest unsubscribe of an address
    phone_stop, email_unsub = {}, {}
    for c in carts.values():
        if c.phone is not None and c.stopped_at is not None:
            if c.phone not in phone_stop or c.stopped_at < phone_stop[c.phone][0]:
                phone_stop[c.phone] = (c.stopped_at, c)
        if c.email is not None and c.unsubscribed_at is not None:
            if c.email not in email_unsub or c.unsubscribed_at < email_unsub[c.email][0]:
                email_unsub[c.email] = (c.unsubscribed_at, c)

    for m in messages:
        c = m.cart
        if c.ordered_at is not None and m.at > c.ordered_at:
            broken["after_order"].append(f"{m}: after the order at {c.text['ordered_at']}")

        # after_stop: the cart's own STOP, then the address's
        reason = None
        if c.stopped_at is not None and m.at > c.stopped_at:
            if m.channel == "sms":
                reason = f"SMS after the cart's STOP at {c.text['stopped_at']}"
            elif any(o.at <= c.stopped_at for o in by_cart[c.id]):
                reason = f"after the STOP at {c.text['stopped_at']} of a cart already messaged"
        if reason is None and m.channel in TEXT_CHANNELS and m.to in phone_stop:
            at, who = phone_stop[m.to]
            if at < m.at:
                reason = f"to a phone opted out by STOP at {who.text['stopped_at']} (cart {who.id})"
        if reason:
            broken["after_stop"].append(f"{m}: {reason}")

        if m.channel == "email" and m.to in email_unsub:
            at, who = email_unsub[m.to]
            if at < m.at:
                broken["after_unsubscribe"].append(f"{m}: to an address unsubscribed at "
                                                   f"{who.text['unsubscribed_at']} (cart {who.id})")

        if c.erased_at is not None and m.at > c.erased_at:
            broken["after_erasure"].append(f"{m}: after the erasure at {c.text['erased_at']}")

        # quiet_hours: the store's window, then the jurisdiction's on text channels
        if c.zone is not None:
            tz = zone(c.zone, f"cart {c.id}")
        elif store_zone is not None:
            tz = store_zone  # the cart's zone unknown: the store's
        else:
            raise Refused(f"cart {c.id}: no zone, and the store has no timezone")
        t, weekday, dt = local(m.at, tz)
        if store_window is not None and not inside(t, store_window):
            broken["quiet_hours"].append(
                f"{m}: {dt:%a %H:%M:%S %Z} in {tz.key}, outside the store's {quiet}")
        elif m.channel in TEXT_CHANNELS:
            name = juris.name(c.phone)
            win = juris.window_on(name, weekday)
            if win == CLOSED:
                broken["quiet_hours"].append(
                    f"{m}: {dt:%a %H:%M:%S %Z} in {tz.key}, rule {name} closed on Sundays")
            elif win is not None and not inside(t, win):
                broken["quiet_hours"].append(
                    f"{m}: {dt:%a %H:%M:%S %Z} in {tz.key}, outside rule {name}'s {hhmm(win)}")

    for entry in erased_left:
        broken["after_erasure"].append(f"left after erasure: {json.dumps(entry, sort_keys=True)}")

    for c in carts.values():
        sms = sum(1 for m in by_cart[c.id] if m.channel == "sms")
        if sms > max(c.episodes, 1):
            broken["sms_over_episodes"].append(
                f"cart {c.id}: {sms} SMS in {c.episodes} episode(s)")
        if c.status in UNFINISHED and not c.paused and not c.unknown_or_failed and c.id not in dead:
            broken["lost"].append(f"cart {c.id}: ended {c.status}, not paused, no unknown or "
                                  "failed step, not dead-lettered")

    without_to = sum(1 for m in messages if m.to is None)
    return broken, len(carts), len(messages), len(erased_left), without_to


def report(broken, carts, messages, left, without_to):
    print(f"chaos history check (independent: zoneinfo tzdata {tzdata.IANA_VERSION}, "
          f"rules/{RULES_FILE.name}): {carts} carts, {messages} messages")
    for name in INVARIANTS:
        n = len(broken[name])
        if name in ("sms_over_episodes", "lost"):
            of = f"of {carts} carts"
        elif name == "after_erasure":
            of = f"of {messages} messages + {left} left"
        else:
            of = f"of {messages} messages"
        print(f"  {name:<20} {n} {of}  {'BROKEN' if n else 'ok'}")
    if without_to:
        print(f"  note: {without_to} message(s) have no `to`: the by-address STOP and unsubscribe "
              "checks pass over them")
    for name in INVARIANTS:
        if broken[name]:
            print(f"{name}:")
            for line in broken[name][:EXAMPLES]:
                print(f"    {line}")
            if len(broken[name]) > EXAMPLES:
                print(f"    ... and {len(broken[name]) - EXAMPLES} more")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check a chaos run's history independently.")
    parser.add_argument("history", help="the file `cartback chaos --history FILE` wrote")
    parser.add_argument("--expect-broken", metavar="NAME", choices=INVARIANTS,
                        help="succeed only if invariant NAME is broken (a planted fault caught)")
    args = parser.parse_args(argv)
    try:
        juris = Jurisdictions()
        broken, carts, messages, left, without_to = check(load(args.history), juris)
    except Refused as e:
        print(f"chaos_check: refused: {e}", file=sys.stderr)
        return 2
    report(broken, carts, messages, left, without_to)
    names = [name for name in INVARIANTS if broken[name]]
    if args.expect_broken is None:
        print("all invariants hold" if not names else f"BROKEN: {', '.join(names)}")
        return 1 if names else 0
    want = args.expect_broken
    print(f"broken: {', '.join(names) if names else 'none'}")
    if broken[want]:
        print(f"ok   {want} is broken, as expected")
        return 0
    print(f"FAIL {want} was expected broken and holds")
    return 1


if __name__ == "__main__":
    sys.exit(main())
