"""Bodies in UTF-16 or UTF-32 (what .NET and Windows producers often send), read as text.

Read as UTF-8 such a body shows every char beside a NUL ("4\\x001\\x00..."), where no card
number can be seen, let alone masked; the operator sees noise too. Recognised by a byte-order
mark, or, without one, by NULs in every other byte (ASCII text in UTF-16), and kept only when
what it decodes to is mostly printable: any other binary body stays shown as escaped bytes.
"""

from __future__ import annotations

from opsdesk.events.masking import mask_pans

_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_NUL_SHARE = 0.9  # of the high (or low) bytes, for UTF-16 without a mark
_PRINTABLE_SHARE = 0.9


def shown_text(data: bytes, limit: int) -> tuple[str, str | None]:
    """Bytes that are no UTF-8 JSON as text to store, masked and cut at `limit`, and how they
    were read: UTF-16 or UTF-32 text as such, anything else as UTF-8 with bad bytes escaped
    ("\\xff")."""
    wide = wide_text(data)
    if wide is not None:
        return mask_pans(wide[0])[:limit], f"shown as {wide[1]} text"
    return mask_pans(data.decode("utf-8", errors="backslashreplace"))[:limit], None


def wide_text(body: bytes) -> tuple[str, str] | None:
    """(text, encoding name) when `body` is UTF-16 or UTF-32 text; else None."""
    codec = _encoding(body)
    if codec is None:
        return None
    text = body.decode(codec, errors="backslashreplace")
    if text.startswith("\ufeff"):
        text = text[1:]
    shown = sum(char.isprintable() or char in "\r\n\t" for char in text)
    if not text or shown < _PRINTABLE_SHARE * len(text):
        return None
    return text, codec.upper()


def _encoding(body: bytes) -> str | None:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec
    half = len(body) // 2
    if half < 2 or body.count(0) < half * _NUL_SHARE:
        return None
    if body[1::2].count(0) >= half * _NUL_SHARE:
        return "utf-16-le"
    if body[0::2].count(0) >= half * _NUL_SHARE:
        return "utf-16-be"
    return None
