"""Numbers and dates as EDIFACT writes them, read strictly (a bad value names its segment)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from edi.parsers.interchange import Segment

CENT = Decimal("0.01")
# Either decimal mark is allowed by the syntax rules, whatever UNA says.
# At most 12 digits before the mark: what the invoice tables store.
NUMBER = re.compile(r"-?(\d{1,12}([.,]\d{0,6})?|[.,]\d{1,6})")
# DTM format qualifiers (2379): pattern and exact length.
DATE_FORMATS = {"102": ("%Y%m%d", 8), "203": ("%Y%m%d%H%M", 12), "204": ("%Y%m%d%H%M%S", 14),
                "101": ("%y%m%d", 6)}  # fmt: skip


def number(segment: Segment, element: int, component: int, what: str) -> Decimal:
    text = segment.value(element, component)
    if not NUMBER.fullmatch(text):
        raise segment.fault(f"Invalid value: {what} {text!r} is not a number")
    return Decimal(text.replace(",", "."))


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def differs(stated: Decimal, computed: Decimal) -> bool:
    """More than a cent apart (senders round line by line, or once per rate)."""
    return abs(stated - computed) > CENT


def date_of(dtm: Segment) -> date:
    qualifier, text, fmt = dtm.value(0, 0), dtm.value(0, 1), dtm.value(0, 2) or "102"
    if fmt not in DATE_FORMATS:
        supported = ", ".join(DATE_FORMATS)
        raise dtm.fault(
            f"Unsupported: DTM {qualifier} date format {fmt!r} (supported: {supported})"
        )
    pattern, length = DATE_FORMATS[fmt]
    try:
        if len(text) != length:
            raise ValueError(text)
        return datetime.strptime(text, pattern).date()
    except ValueError:
        raise dtm.fault(
            f"Invalid value: DTM {qualifier} {text!r} is not a date in format {fmt}"
        ) from None


def rate_of(tax: Segment) -> Decimal | None:
    """TAX+7+VAT+++:::19+S: the percentage is the fourth component of C243."""
    if not tax.value(4, 3):
        return None
    rate = number(tax, 4, 3, "TAX rate")
    if not 0 <= rate <= 100:
        raise tax.fault(f"Invalid value: TAX rate {rate} is not a percentage")
    return rate
