"""Which parser reads which message type, from which directories.

    @register("INVOIC", directories=("D.96A", "D.01B"))
    def parse_invoic(message: Message, options: ParseOptions) -> InvoiceDocument: ...

ORDERS or DESADV are added the same way, in a module of their own imported by
edi/parsers/__init__.py. A parser is a pure function: a message in, a document out, or an
EdiError naming the reason and the segment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from edi.parsers.errors import EdiError
from edi.parsers.interchange import Interchange, Message, read_interchange


@dataclass(frozen=True)
class ParseOptions:
    """What a parser may not guess: defaults that come from settings."""

    default_currency: str = "EUR"


MessageParser = Callable[[Message, ParseOptions], Any]
P = TypeVar("P", bound=MessageParser)


@dataclass(frozen=True)
class Registration:
    message_type: str
    directories: tuple[str, ...]
    parse: MessageParser


_parsers: dict[str, Registration] = {}


def register(message_type: str, *, directories: Iterable[str]) -> Callable[[P], P]:
    def decorate(parse: P) -> P:
        _parsers[message_type] = Registration(message_type, tuple(directories), parse)
        return parse

    return decorate


def supported() -> dict[str, list[str]]:
    """Message types and their directories, e.g. {"INVOIC": ["D.96A", "D.01B"]}."""
    return {name: list(r.directories) for name, r in sorted(_parsers.items())}


def parse_message(message: Message, options: ParseOptions) -> Any:
    registration = _parsers.get(message.type)
    if registration is None:
        known = ", ".join(sorted(_parsers)) or "none"
        raise message.header.fault(
            f"Unsupported: message type {message.type!r} is not read here (supported: {known})"
        )
    if message.directory not in registration.directories:
        raise message.header.fault(
            f"Unsupported: {message.type} {message.directory} is not read here "
            f"(supported directories: {', '.join(registration.directories)})"
        )
    return registration.parse(message, options)


@dataclass(frozen=True)
class ParsedFile:
    interchange: Interchange
    documents: tuple[Any, ...]


def parse_file(data: bytes, *, max_bytes: int, options: ParseOptions | None = None) -> ParsedFile:
    """Every message of a file, parsed; the first fault anywhere rejects the whole file."""
    interchange = read_interchange(data, max_bytes=max_bytes)
    options = options or ParseOptions()
    documents = tuple(parse_message(message, options) for message in interchange.messages)
    return ParsedFile(interchange, documents)


__all__ = ["EdiError", "ParseOptions", "ParsedFile", "parse_file", "register", "supported"]
