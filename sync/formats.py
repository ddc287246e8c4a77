"""Byte-level checks every source's export goes through before it is parsed."""

from __future__ import annotations

import codecs

from . import SyncError

_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def decode_utf8(raw: bytes, where: str) -> str:
    """UTF-8 text (BOM removed) or a :class:`SyncError` naming ``where``.

    Anything else is refused rather than guessed: a wrongly decoded export would
    put mojibake into every record it touches.
    """
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            raise SyncError(f"{where}: die Daten sind {name}-kodiert; erwartet wird UTF-8.")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SyncError(f"{where}, Zeile {line}: die Daten sind kein gültiges UTF-8 (Byte {exc.start}).") from None
    if "\x00" in text:
        raise SyncError(f"{where}: die Daten enthalten Null-Bytes; das sind keine Textdaten.")
    return text
