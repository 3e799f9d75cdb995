"""Parsers of EDIFACT files: pure functions from bytes to documents, or an EdiError.

    parsed = parse_file(data, max_bytes=5_000_000, options=ParseOptions(default_currency="EUR"))
    for document in parsed.documents: ...        # InvoiceDocument for INVOIC messages

Message types are read by the parsers registered in edi.parsers.registry (INVOIC here).
"""

from edi.parsers import invoic  # noqa: F401 - registers the INVOIC parser
from edi.parsers.documents import InvoiceDocument, InvoiceLine, Party
from edi.parsers.errors import EdiError
from edi.parsers.registry import ParsedFile, ParseOptions, parse_file, register, supported

__all__ = [
    "EdiError",
    "InvoiceDocument",
    "InvoiceLine",
    "ParseOptions",
    "ParsedFile",
    "Party",
    "parse_file",
    "register",
    "supported",
]
