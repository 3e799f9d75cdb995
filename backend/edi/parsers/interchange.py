"""An EDIFACT interchange read from bytes, with its envelope checked.

In order: size, binary content, the character set of UNB, pydifact's tokenizer (escapes,
UNA service characters), then the envelope: UNB ... UNZ around UNH ... UNT messages, the
control counts of UNT (segments) and UNZ (messages), and the references that must match
(UNH/UNT, UNB/UNZ). What comes out is plain data for the message parsers.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydifact.exceptions import EDISyntaxError
from pydifact.exceptions import ValidationError as PydifactValidationError
from pydifact.parser import Parser
from pydifact.segments import Segment as PydifactSegment
from pydifact.segments import SegmentFactory

from edi.parsers.charsets import Charset, check_text, decode
from edi.parsers.errors import EdiError

Element = str | list[str]


@dataclass(frozen=True)
class Segment:
    """One segment as pydifact read it (escapes resolved), with its place in the file."""

    tag: str
    elements: tuple[Element, ...]
    position: int

    def value(self, element: int, component: int = 0) -> str:
        """A data element (or one component of a composite), stripped; "" when absent."""
        return self.raw(element, component).strip()

    def raw(self, element: int, component: int = 0) -> str:
        """The same, spaces kept (text cut across repeated elements)."""
        if element >= len(self.elements):
            return ""
        item = self.elements[element]
        if isinstance(item, list):
            return item[component] if component < len(item) else ""
        return item if component == 0 else ""

    def components(self, element: int) -> list[str]:
        """The non-empty components of a data element (a simple element is one)."""
        item = self.elements[element] if element < len(self.elements) else ""
        parts = item if isinstance(item, list) else [item]
        return [part.strip() for part in parts if part.strip()]

    def fault(self, reason: str) -> EdiError:
        return EdiError(reason, position=self.position, tag=self.tag)


@dataclass(frozen=True)
class Message:
    """UNH ... UNT: a message of one type (INVOIC) from one directory (D.96A)."""

    header: Segment
    trailer: Segment
    body: tuple[Segment, ...]

    @property
    def reference(self) -> str:
        return self.header.value(0)

    @property
    def type(self) -> str:
        return self.header.value(1, 0)

    @property
    def directory(self) -> str:
        """Version and release, as people write them: "D.96A"."""
        return f"{self.header.value(1, 1)}.{self.header.value(1, 2)}"


@dataclass(frozen=True)
class Interchange:
    charset: Charset
    syntax_version: str
    sender: str
    recipient: str
    reference: str
    messages: tuple[Message, ...]


def read_interchange(data: bytes, *, max_bytes: int) -> Interchange:
    """Check and tokenize a file; raise EdiError with the reason and position if it is bad."""
    check_size(data, max_bytes)
    check_text(data)
    identifier, unb_position = syntax_identifier(data)
    text, charset = decode(data, identifier, position=unb_position)
    return envelope(tokenize(text), charset)


def too_large(size: int, max_bytes: int) -> EdiError:
    return EdiError(f"File too large: {size:,} bytes, over the limit of {max_bytes:,} bytes")


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    if not data.strip():
        raise EdiError("Empty file" + (": only whitespace" if data else ": 0 bytes"))


def syntax_identifier(data: bytes) -> tuple[str, int]:
    """UNB's character set (e.g. "UNOC") and UNB's position, read from the raw bytes."""
    head = data.removeprefix(codecs.BOM_UTF8).lstrip()
    component, separator, position = b":", b"+", 1
    if head.startswith(b"UNA"):
        if len(head) < 9:
            raise EdiError("Truncated: the UNA service string advice is cut short")
        component, separator, position = head[3:4], head[4:5], 2
        head = head[9:].lstrip()
    if not head.startswith(b"UNB" + separator):
        found = head[:24].decode("ascii", "replace")
        raise EdiError(f"Not an EDIFACT interchange: expected UNA or UNB, found {found!r}")
    identifier = head[4:].split(separator, 1)[0].split(component, 1)[0]
    return identifier.decode("ascii", "replace").strip(), position


class PlainSegments(SegmentFactory):
    """pydifact's segments without its directory validation (it ships no directories)."""

    @staticmethod
    def create_segment(name: str, *elements: Any, **_: Any) -> PydifactSegment:
        if not name or not name.isalnum():
            raise EDISyntaxError(f"Malformed segment tag {name!r}")
        return PydifactSegment(name, *(elements or ("",)))


def tokenize(text: str) -> list[Segment]:
    text = text.strip()
    segments: list[Segment] = []
    parser = Parser(factory=PlainSegments())
    try:
        for raw in parser.parse(text):
            segments.append(Segment(raw.tag, tuple(raw.elements), len(segments) + 1))
    except (EDISyntaxError, PydifactValidationError, ValueError, IndexError) as exc:
        raise syntax_fault(str(exc), segments) from None
    if not ends_with_terminator(text):
        # pydifact drops a last segment cut short after a separator ("QTY+"): say so.
        raise syntax_fault("Unexpected end", segments)
    return segments


def ends_with_terminator(text: str) -> bool:
    """The last character ends a segment (it is the terminator, and not escaped)."""
    terminator, escape = (
        (text[8], text[6]) if text.startswith("UNA") and len(text) > 8 else ("'", "?")
    )
    body = text.removesuffix(terminator)
    if body == text:
        return False
    escapes = len(body) - len(body.rstrip(escape))
    return escapes % 2 == 0


def syntax_fault(detail: str, read: Sequence[Segment]) -> EdiError:
    where = f"after segment {read[-1].position} ({read[-1].tag})" if read else "at the start"
    if "Unexpected end" in detail:
        return EdiError(
            f"Truncated: the file ends inside a segment, {where}", position=len(read) + 1
        )
    detail = detail.removeprefix("EDIFACT Syntax Error: ")
    return EdiError(f"Malformed EDIFACT: {detail}, {where}", position=len(read) + 1)


def envelope(segments: list[Segment], charset: Charset) -> Interchange:
    items = [segment for segment in segments if segment.tag != "UNA"]
    if not items:
        raise EdiError("Truncated: the file holds no segment after UNA")
    unb, unz = items[0], items[-1]
    if unb.tag != "UNB":
        raise unb.fault("Missing segment: the interchange does not start with UNB")
    if unz.tag != "UNZ":
        raise unz.fault("Truncated: the interchange ends without its UNZ trailer")
    if not unb.value(4):
        raise unb.fault("Missing value: UNB has no interchange control reference")
    messages = tuple(split_messages(items[1:-1]))
    check_count(unz, len(messages), "messages in the interchange")
    if unz.value(1) != unb.value(4):
        raise unz.fault(
            f"Reference mismatch: UNZ reference {unz.value(1)!r} does not match "
            f"UNB reference {unb.value(4)!r}"
        )
    return Interchange(
        charset=charset, syntax_version=unb.value(0, 1), sender=unb.value(1),
        recipient=unb.value(2), reference=unb.value(4), messages=messages,
    )  # fmt: skip


def split_messages(segments: Sequence[Segment]) -> Iterator[Message]:
    header: Segment | None = None
    body: list[Segment] = []
    for segment in segments:
        if segment.tag in ("UNB", "UNZ", "UNG", "UNE"):
            what = "functional groups" if segment.tag in ("UNG", "UNE") else "nested interchanges"
            raise segment.fault(f"Unsupported: {what} ({segment.tag}) are not read")
        if segment.tag == "UNH":
            if header is not None:
                raise segment.fault(f"Missing segment: message {header.value(0)!r} has no UNT")
            header, body = segment, []
        elif header is None:
            raise segment.fault(f"Misplaced segment: {segment.tag} outside of a message (UNH)")
        elif segment.tag == "UNT":
            yield closed_message(header, segment, body)
            header = None
        else:
            body.append(segment)
    if header is not None:
        raise header.fault(f"Truncated: message {header.value(0)!r} has no UNT trailer")


def closed_message(header: Segment, trailer: Segment, body: list[Segment]) -> Message:
    if not header.value(0) or not header.value(1, 0):
        raise header.fault("Missing value: UNH needs a message reference and a message type")
    check_count(trailer, len(body) + 2, f"segments in message {header.value(0)!r}")
    if trailer.value(1) != header.value(0):
        raise trailer.fault(
            f"Reference mismatch: UNT reference {trailer.value(1)!r} does not match "
            f"UNH reference {header.value(0)!r}"
        )
    return Message(header=header, trailer=trailer, body=tuple(body))


def check_count(trailer: Segment, actual: int, what: str) -> None:
    """UNT and UNZ carry a control count in their first element."""
    stated = trailer.value(0)
    if not stated.isdigit():
        raise trailer.fault(f"Control count: {trailer.tag} count {stated!r} is not a number")
    if int(stated) != actual:
        raise trailer.fault(
            f"Control count: {trailer.tag} says {int(stated)} but there are {actual} {what}"
        )
