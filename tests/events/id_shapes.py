"""Ids and numbers that are not card numbers, and card numbers in the places they turn up.

Each maker takes a random.Random: the corpus test feeds it a seeded one (uniform, a million
draws), the property tests one that hypothesis drives (edge cases, shrinking).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from opsdesk.events.masking import luhn_valid

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# ISO 13616 BBAN shapes (n digits, a capitals, c alphanumerics) of countries with different
# layouts: all digits, a bank code in letters before 14-22 digits (GB, IE, BH, VG, KW), mixed.
IBAN_SHAPES = {
    "DE": "18n",
    "FR": "10n11c2n",
    "ES": "20n",
    "IT": "1a10n12c",
    "NL": "4a10n",
    "BE": "12n",
    "CH": "5n12c",
    "AT": "16n",
    "PL": "24n",
    "PT": "21n",
    "SE": "20n",
    "NO": "11n",
    "HU": "24n",
    "GR": "7n16c",
    "GB": "4a14n",
    "IE": "4a14n",
    "BH": "4a14c",
    "VG": "4a16n",
    "KW": "4a22c",
    "SA": "2n18c",
    "MT": "4a5n18c",
    "BG": "4a6n8c",
}


def uuid4_text(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def uuid1_text(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=1))


def uuid_hex(rng: random.Random) -> str:
    text = uuid.UUID(int=rng.getrandbits(128), version=4).hex
    return text.upper() if rng.random() < 0.3 else text


def ulid(rng: random.Random) -> str:
    value = rng.getrandbits(48) << 80 | rng.getrandbits(80)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def trace_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128) or 1:032x}"


def span_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64) or 1:016x}"


def traceparent(rng: random.Random) -> str:
    return f"00-{trace_id(rng)}-{span_id(rng)}-0{rng.randint(0, 1)}"


def iso_timestamp(rng: random.Random) -> str:
    moment = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(
        seconds=rng.randint(0, 40 * 365 * 86400), microseconds=rng.randint(0, 999_999)
    )
    shape = rng.randrange(6)
    if shape == 0:
        return moment.isoformat()
    if shape == 1:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if shape == 2:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{rng.randint(0, 999):03d}Z"  # ns
    if shape == 3:
        return moment.strftime("%Y%m%dT%H%M%S.%fZ")  # basic format
    if shape == 4:
        offset = rng.choice(["+02:00", "-05:30", "+14:00", "+00:00"])
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") + offset
    return moment.strftime("%Y-%m-%d")


def iban(rng: random.Random, printed: bool | None = None) -> str:
    country = rng.choice(sorted(IBAN_SHAPES))
    bban = _bban(rng, IBAN_SHAPES[country])
    number = int((bban + country + "00").translate(_AS_NUMBER))
    electronic = f"{country}{98 - number % 97:02d}{bban}"
    if printed is None:
        printed = rng.random() < 0.5
    if not printed:
        return electronic
    return " ".join(electronic[i : i + 4] for i in range(0, len(electronic), 4))


_AS_NUMBER = str.maketrans({letter: str(10 + at) for at, letter in enumerate(UPPER)})


def _bban(rng: random.Random, shape: str) -> str:
    out: list[str] = []
    count = ""
    for char in shape:
        if char.isdigit():
            count += char
        elif char == "n":
            out.append(f"{rng.randrange(10 ** int(count)):0{count}d}")
            count = ""
        else:
            out += rng.choices(UPPER if char == "a" else DIGITS + UPPER, k=int(count))
            count = ""
    return "".join(out)


def e164(rng: random.Random) -> str:
    code = rng.choice(["1", "7", "44", "49", "33", "86", "91", "352", "353", "971", "880"])
    length = rng.randint(9 - len(code), 15 - len(code))  # E.164: 15 digits at most
    national = f"{rng.randrange(10**length):0{length}d}"
    number = f"+{code}{national}"
    style = rng.randrange(3)
    if style == 0:
        return number
    separator = " " if style == 1 else "-"
    parts = [national[i : i + 4] for i in range(0, len(national), 4)]
    return separator.join([f"+{code}", *parts])


def amount(rng: random.Random) -> str:
    shape = rng.randrange(6)
    whole = rng.randint(0, 10 ** rng.randint(1, 15))
    if shape == 0:
        return f"{whole}.{rng.randint(0, 99):02d}"
    if shape == 1:
        return f"-{whole}.{rng.randint(0, 9999):04d}"
    if shape == 2:
        return f"{whole:,}.{rng.randint(0, 99):02d}"
    if shape == 3:
        return f"{whole:,}".replace(",", " ") + f",{rng.randint(0, 99):02d}"
    if shape == 4:
        places = rng.randint(1, 19)
        return f"0.{rng.randrange(10**places):0{places}d}"
    return str(rng.randint(0, 10**12 - 1))  # minor units: up to 10 billion in major units


# The kinds that are never card numbers, whatever their digits.
NEVER_CARDS: dict[str, Callable[[random.Random], str]] = {
    "uuid4": uuid4_text,
    "uuid1": uuid1_text,
    "uuid-hex": uuid_hex,
    "ulid": ulid,
    "trace-id": trace_id,
    "traceparent": traceparent,
    "iso-timestamp": iso_timestamp,
    "iban": iban,
    "e164": e164,
    "amount": amount,
}


def all_digit_card_shaped(text: str) -> bool:
    """An id that is nothing but 13-19 digits passing Luhn: no text tells it from a card.

    Except 13, 16 or 19 digits starting with 1, which masking reads as an epoch timestamp.
    """
    epoch = text[:1] == "1" and len(text) in (13, 16, 19)
    return text.isdigit() and 13 <= len(text) <= 19 and luhn_valid(text) and not epoch


# Card schemes: (name, IIN prefixes, lengths). Prefixes from the schemes' published ranges.
SCHEMES: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...] = (
    ("visa", ("4",), (13, 16, 19)),
    ("mastercard", ("51", "52", "53", "54", "55", "2221", "2500", "2720"), (16,)),
    ("amex", ("34", "37"), (15,)),
    ("diners", ("36", "300", "305"), (14,)),
    ("discover", ("6011", "644", "649", "65"), (16, 19)),
    ("jcb", ("3528", "3589"), (16, 17, 18, 19)),
    ("unionpay", ("62",), (16, 17, 18, 19)),
    ("maestro", ("50", "56", "58", "6304", "6759", "67"), (13, 15, 16, 17, 18, 19)),
)


def card_number(rng: random.Random) -> tuple[str, str]:
    """(scheme, a Luhn-valid card number of that scheme)."""
    name, prefixes, lengths = rng.choice(SCHEMES)
    prefix = rng.choice(prefixes)
    length = rng.choice(lengths)
    payload = prefix + "".join(rng.choice(DIGITS) for _ in range(length - len(prefix) - 1))
    check = next(d for d in DIGITS if luhn_valid(payload + d))
    return name, payload + check


def grouped(rng: random.Random, scheme: str, digits: str, separator: str) -> str:
    """`digits` in a grouping that scheme's cards are printed or typed in."""
    if scheme == "amex":
        sizes = [4, 6, 5]
    elif scheme == "diners" and len(digits) == 14:
        sizes = [4, 6, 4]
    elif len(digits) in (17, 18, 19) and rng.random() < 0.5:
        sizes = [4, 4, 4, len(digits) - 12]  # card-entry forms: gaps after 4, 8, 12
    else:
        sizes = [4] * (len(digits) // 4) + ([len(digits) % 4] if len(digits) % 4 else [])
    parts, at = [], 0
    for size in sizes:
        parts.append(digits[at : at + size])
        at += size
    return separator.join(parts)


def masked_form(text: str) -> str:
    """What mask_pans makes of a card number as written: first 6 and last 4 digits kept."""
    places = [at for at, char in enumerate(text) if char.isdigit()]
    chars = list(text)
    for at in places[6 : len(places) - 4]:
        chars[at] = "*"
    return "".join(chars)
