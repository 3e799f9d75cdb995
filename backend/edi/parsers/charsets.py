"""Bytes to text: the character set named by UNB's syntax identifier, applied strictly.

UNA and UNB are plain ASCII whatever the character set, so the identifier can be read
from the raw bytes before decoding the rest. A file whose bytes do not fit the declared
set is refused with the first offending byte, never decoded with replacement characters.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from edi.parsers.errors import EdiError


@dataclass(frozen=True)
class Charset:
    identifier: str
    codec: str
    description: str

    @property
    def single_byte(self) -> bool:
        return self.codec != "utf-8"


CHARSETS = {
    c.identifier: c
    for c in (
        Charset("UNOA", "ascii", "ISO 646 level A, ASCII"),
        Charset("UNOB", "ascii", "ISO 646 level B, ASCII"),
        Charset("UNOC", "latin-1", "ISO 8859-1, Latin-1"),
        Charset("UNOD", "iso8859-2", "ISO 8859-2, Latin-2"),
        Charset("UNOE", "iso8859-5", "ISO 8859-5, Latin/Cyrillic"),
        Charset("UNOF", "iso8859-7", "ISO 8859-7, Latin/Greek"),
        Charset("UNOG", "iso8859-3", "ISO 8859-3, Latin-3"),
        Charset("UNOH", "iso8859-4", "ISO 8859-4, Latin-4"),
        Charset("UNOI", "iso8859-6", "ISO 8859-6, Latin/Arabic"),
        Charset("UNOJ", "iso8859-8", "ISO 8859-8, Latin/Hebrew"),
        Charset("UNOK", "iso8859-9", "ISO 8859-9, Latin-5"),
        Charset("UNOW", "utf-8", "UTF-8"),
        Charset("UNOY", "utf-8", "ISO 10646-1, as UTF-8"),
    )
}
# Bytes no EDIFACT character set uses: a file holding one is not text.
BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1b\x7f]")
# C1 controls: what Windows-1252 text (e.g. the euro sign, 0x80) looks like in ISO 8859.
C1_CONTROL = re.compile(rb"[\x80-\x9f]")
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def check_text(data: bytes) -> None:
    """Refuse binary content (a NUL or another control byte) before anything else."""
    match = BINARY.search(data)
    if match is None:
        return
    hint = " (UTF-16 text?)" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else ""
    raise EdiError(
        f"Binary content: byte 0x{data[match.start()]:02X} at offset {match.start()}{hint}; "
        "this is not an EDIFACT text file"
    )


def decode(data: bytes, identifier: str, *, position: int) -> tuple[str, Charset]:
    """The text of the file in the declared character set, or an EdiError saying why not."""
    charset = CHARSETS.get(identifier)
    if charset is None:
        known = ", ".join(CHARSETS)
        raise EdiError(
            f"Unknown character set: UNB declares {identifier!r}; known: {known}",
            position=position, tag="UNB",
        )  # fmt: skip
    data = strip_byte_order_mark(data, charset, position=position)
    if charset.single_byte:
        check_single_byte(data, charset, position=position)
    try:
        return data.decode(charset.codec), charset
    except UnicodeDecodeError as exc:
        raise wrong_charset(charset, data[exc.start], exc.start, position) from None


def strip_byte_order_mark(data: bytes, charset: Charset, *, position: int) -> bytes:
    if not data.startswith(codecs.BOM_UTF8):
        return data
    if charset.single_byte:
        raise EdiError(
            f"Wrong character set: the file starts with a UTF-8 byte order mark but UNB "
            f"declares {charset.identifier} ({charset.description})",
            position=position, tag="UNB",
        )  # fmt: skip
    return data[len(codecs.BOM_UTF8) :]


def check_single_byte(data: bytes, charset: Charset, *, position: int) -> None:
    """Catch the two usual mislabels: UTF-8 or Windows-1252 text declared as ISO 8859."""
    if max(data, default=0) < 0x80:
        return
    if UTF8_MULTIBYTE.search(data) and is_utf8(data):
        raise EdiError(
            f"Wrong character set: the file is UTF-8 but UNB declares {charset.identifier} "
            f"({charset.description}); declare UNOW or convert the file",
            position=position, tag="UNB",
        )  # fmt: skip
    control = C1_CONTROL.search(data) if charset.codec != "ascii" else None
    if control is not None:
        raise wrong_charset(charset, data[control.start()], control.start(), position,
                            hint=" (Windows-1252 text?)")  # fmt: skip


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def wrong_charset(
    charset: Charset, byte: int, offset: int, position: int, *, hint: str = ""
) -> EdiError:
    return EdiError(
        f"Wrong character set: byte 0x{byte:02X} at offset {offset} is not valid in "
        f"{charset.identifier} ({charset.description}){hint}",
        position=position, tag="UNB",
    )  # fmt: skip
