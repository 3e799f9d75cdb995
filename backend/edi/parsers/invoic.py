"""UN/EDIFACT INVOIC from directories D.96A and D.01B (EANCOM-style invoices).

    header   BGM (number), DTM 137 (date; 35 delivery, 13 due), NAD+SU and NAD+BY (with
             RFF+VA), CUX (invoicing currency, else the default), TAX (a default rate)
    detail   one group per LIN: PIA, IMD, QTY, MOA 203 (line amount), PRI, TAX
    summary  after UNS+S: CNT 2 (lines), MOA 79 (lines), 125 (taxable), 124/176 (tax),
             77/86 (invoice total), and TAX groups with their MOA 124/125

Every total is checked against the lines, within a cent (edi.parsers.invoic_totals). The
two directories differ here only in BGM: D.96A carries the document number as a simple
element (1004), D.01B as the first component of the composite C106; `Segment.value(1, 0)`
reads both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from edi.parsers.documents import InvoiceDocument, InvoiceLine, Party
from edi.parsers.interchange import Message, Segment
from edi.parsers.invoic_totals import check_totals, read_summary
from edi.parsers.registry import ParseOptions, register
from edi.parsers.values import date_of, differs, money, number, rate_of

DIRECTORIES = ("D.96A", "D.01B")
CURRENCY = re.compile(r"[A-Z]{3}")
NUMBER_MAX = 35  # an..35 (1004)
# Segments of a NAD group (SG2): a VAT number in its RFF belongs to that party.
PARTY_GROUP = frozenset({"NAD", "LOC", "FII", "RFF", "DTM", "CTA", "COM"})


@register("INVOIC", directories=DIRECTORIES)
def parse_invoic(message: Message, options: ParseOptions) -> InvoiceDocument:
    sections = split_sections(message)
    head = read_header(message, sections.header, options)
    summary = read_summary(sections.summary)
    fallback_rate = head.rate if head.rate is not None else summary.only_rate()
    lines = tuple(
        read_line(number, group, fallback_rate) for number, group in enumerate(sections.lines, 1)
    )
    if not lines:
        raise sections.separator.fault("Missing segment: the invoice has no LIN line items")
    tax = check_totals(lines, summary, sections.separator)
    return InvoiceDocument(
        directory=message.directory, message_reference=message.reference,
        document_type=head.document_type, number=head.number, issue_date=head.issue_date,
        due_date=head.due_date, delivery_date=head.delivery_date, currency=head.currency,
        supplier=head.supplier, buyer=head.buyer, lines=lines,
        net_total=money(summary.stated("79")), tax_total=money(tax),
        gross_total=money(summary.gross()),
    )  # fmt: skip


# --- sections ------------------------------------------------------------------------------


@dataclass
class Sections:
    separator: Segment
    header: list[Segment] = field(default_factory=list)
    lines: list[list[Segment]] = field(default_factory=list)
    summary: list[Segment] = field(default_factory=list)


def split_sections(message: Message) -> Sections:
    """Header before the first LIN, one group per LIN, summary after UNS+S."""
    header: list[Segment] = []
    lines: list[list[Segment]] = []
    summary: list[Segment] = []
    separator: Segment | None = None
    for segment in message.body:
        if segment.tag == "UNS":
            check_separator(segment, separator)
            separator = segment
        elif separator is not None:
            summary.append(segment)
        elif segment.tag == "LIN":
            lines.append([segment])
        elif lines:
            lines[-1].append(segment)
        else:
            header.append(segment)
    if separator is None:
        raise message.trailer.fault("Missing segment: no UNS+S before the totals")
    return Sections(separator, header, lines, summary)


def check_separator(segment: Segment, seen: Segment | None) -> None:
    if seen is not None:
        raise segment.fault("Misplaced segment: a second UNS in the message")
    if segment.value(0) != "S":
        raise segment.fault(f"Invalid value: UNS {segment.value(0)!r}, expected S (summary)")


def first(segments: list[Segment], tag: str, *qualifiers: str) -> Segment | None:
    """The first segment with this tag (and, if given, one of these first values)."""
    for segment in segments:
        if segment.tag == tag and (not qualifiers or segment.value(0, 0) in qualifiers):
            return segment
    return None


# --- header --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    number: str
    document_type: str
    issue_date: date
    due_date: date | None
    delivery_date: date | None
    currency: str
    supplier: Party
    buyer: Party
    rate: Decimal | None


def read_header(message: Message, segments: list[Segment], options: ParseOptions) -> Header:
    bgm = first(segments, "BGM")
    if bgm is None:
        raise message.header.fault("Missing segment: no BGM (invoice number)")
    number = bgm.value(1, 0)
    if not number or len(number) > NUMBER_MAX:
        raise bgm.fault(f"Invalid value: BGM document number {number!r} (1 to 35 characters)")
    dates: dict[str, Segment] = {}
    for dtm in (s for s in segments if s.tag == "DTM"):
        dates.setdefault(dtm.value(0, 0), dtm)
    if "137" not in dates:
        raise bgm.fault("Missing segment: no DTM 137 (invoice date)")
    parties = read_parties(segments, bgm)
    tax = first(segments, "TAX", "7")
    return Header(
        number=number, document_type=bgm.value(0, 0) or "380", issue_date=date_of(dates["137"]),
        due_date=date_of(dates["13"]) if "13" in dates else None,
        delivery_date=date_of(dates["35"]) if "35" in dates else None,
        currency=read_currency(segments, options), supplier=parties["SU"], buyer=parties["BY"],
        rate=rate_of(tax) if tax is not None else None,
    )  # fmt: skip


def read_parties(segments: list[Segment], bgm: Segment) -> dict[str, Party]:
    parties: dict[str, Party] = {}
    for index, segment in enumerate(segments):
        if segment.tag == "NAD" and segment.value(0) not in parties:
            parties[segment.value(0)] = read_party(segment, segments[index + 1 :])
    for qualifier, role in (("SU", "supplier"), ("BY", "buyer")):
        if qualifier not in parties:
            raise bgm.fault(f"Missing segment: no NAD+{qualifier} ({role})")
    return parties


def read_party(nad: Segment, after: list[Segment]) -> Party:
    """NAD: C082 identification (e.g. a GLN), C080 name (else C058), street, city..."""
    code = nad.value(1, 0)
    name = " ".join(nad.components(3)) or " ".join(nad.components(2))
    if not code and not name:
        raise nad.fault(
            f"Missing value: NAD+{nad.value(0)} has neither an identification nor a name"
        )
    vat_number = ""
    for segment in after:
        if segment.tag not in PARTY_GROUP or segment.tag == "NAD":
            break
        if segment.tag == "RFF" and segment.value(0, 0) in ("VA", "FC"):
            vat_number = segment.value(0, 1)
            break
    return Party(
        code=code or name[:35], name=name, street=" ".join(nad.components(4)),
        city=nad.value(5), postcode=nad.value(7), country=nad.value(8), vat_number=vat_number,
    )  # fmt: skip


def read_currency(segments: list[Segment], options: ParseOptions) -> str:
    """CUX: the currency qualified 4 (invoicing), else the first one, else the default."""
    cux = first(segments, "CUX")
    if cux is None:
        return options.default_currency
    codes = [cux.value(i, 1) for i in (0, 1) if cux.value(i, 2) == "4"] or [cux.value(0, 1)]
    if not CURRENCY.fullmatch(codes[0]):
        raise cux.fault(f"Invalid value: currency {codes[0]!r} is not an ISO 4217 code")
    return codes[0]


# --- detail --------------------------------------------------------------------------------


def read_line(ordinal: int, group: list[Segment], fallback_rate: Decimal | None) -> InvoiceLine:
    lin = group[0]
    qty = first(group, "QTY", "47") or first(group, "QTY")
    moa = first(group, "MOA", "203")
    if qty is None:
        raise lin.fault(f"Missing segment: line {ordinal} has no QTY (quantity)")
    if moa is None:
        raise lin.fault(f"Missing segment: line {ordinal} has no MOA 203 (line amount)")
    quantity = number(qty, 0, 1, f"QTY {qty.value(0, 0)} quantity")
    amount = number(moa, 0, 1, "MOA 203 line amount")
    pri = first(group, "PRI", "AAA") or first(group, "PRI", "AAB")
    price = number(pri, 0, 1, "PRI price") if pri is not None else None
    if pri is not None and price is not None and first(group, "ALC") is None:
        check_price(ordinal, quantity, price, pri, amount, moa)
    tax = first(group, "TAX", "7")
    rate = rate_of(tax) if tax is not None else None
    imd, pia = first(group, "IMD"), first(group, "PIA")
    return InvoiceLine(
        number=ordinal, position=lin.position, item_code=lin.value(2, 0),
        supplier_item_code=pia.value(1, 0) if pia is not None else "",
        description=description_of(imd),
        quantity=quantity, unit=qty.value(0, 2), unit_price=price, amount=amount,
        tax_rate=rate if rate is not None else fallback_rate,
    )  # fmt: skip


def description_of(imd: Segment | None) -> str:
    """IMD C273: the description is 7008 (an..35), twice: senders cut long text anywhere."""
    if imd is None:
        return ""
    return (imd.raw(2, 3) + imd.raw(2, 4)).strip()


def check_price(
    ordinal: int, quantity: Decimal, price: Decimal, pri: Segment, amount: Decimal, moa: Segment
) -> None:
    """QTY x PRI / price basis (5284) must give the line amount, within a cent."""
    basis_text = pri.value(0, 4)
    basis = number(pri, 0, 4, "PRI price basis") if basis_text else Decimal(1)
    if basis == 0:
        raise pri.fault("Invalid value: PRI price basis is 0")
    expected = money(quantity * price / basis)
    if differs(amount, expected):
        raise moa.fault(
            f"Totals do not match: line {ordinal}: QTY {quantity} x PRI {price} = {expected}, "
            f"but MOA 203 says {amount}"
        )
