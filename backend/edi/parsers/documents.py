"""What the parsers read from a file: documents of plain values, for the import to store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    street: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""
    vat_number: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    number: int  # 1, 2, ... in the order of the file
    position: int  # the LIN segment's place in the file
    item_code: str
    supplier_item_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    amount: Decimal
    tax_rate: Decimal | None


@dataclass(frozen=True)
class InvoiceDocument:
    directory: str
    message_reference: str
    document_type: str
    number: str
    issue_date: date
    due_date: date | None
    delivery_date: date | None
    currency: str
    supplier: Party
    buyer: Party
    lines: tuple[InvoiceLine, ...]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
