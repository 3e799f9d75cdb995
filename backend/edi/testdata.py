"""Realistic INVOIC files for tests and demos: valid ones, and invalid ones of each kind.

    files = generate_batch(50, invalid=5, seed=1)   # 45 valid files, 5 defects
    files[3].content, files[3].invoices, files[3].defect, files[3].reason

Valid files vary like a real inbox: D.96A and D.01B, UNOC, UNOW and UNOA (ASCII-folded)
character sets, with or without UNA, on one line or one segment per line, one to three
invoices per interchange, several VAT rates, names that need escaping ("Verres ?+ Co").
Every file is written with pydifact's serializer, so escapes are what a real sender makes.
Invalid files break one rule each; `reason` is how the import's error for them starts.
"""

from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pydifact.control import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from edi.parsers.documents import Party

CENT = Decimal("0.01")
CHARACTERS = Characters(decimal_point=".")
CODECS = {"UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOW": "utf-8", "UNOY": "utf-8"}

# The kinds of invalid files, the five that every import must survive first.
DEFECTS = (
    "empty", "binary", "truncated", "wrong_charset", "oversize", "bad_totals",
    "bad_control_count", "reference_mismatch", "missing_supplier", "unknown_charset",
    "unsupported_directory", "not_edifact",
)  # fmt: skip
REASONS = {
    "empty": "Empty file", "binary": "Binary content", "truncated": "Truncated",
    "wrong_charset": "Wrong character set", "oversize": "File too large",
    "bad_totals": "Totals do not match", "bad_control_count": "Control count",
    "reference_mismatch": "Reference mismatch", "missing_supplier": "Missing segment",
    "unknown_charset": "Unknown character set", "unsupported_directory": "Unsupported",
    "not_edifact": "Not an EDIFACT interchange",
}  # fmt: skip


def check_digit(digits: str) -> str:
    """GS1 mod-10 check digit (GLN, GTIN)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gs1(digits: str) -> str:
    return digits + check_digit(digits)


SUPPLIERS = (
    Party(gs1("401234500001"), "Nordlicht Optik GmbH", "Hafenstraße 12", "Hamburg", "20457",
          "DE", "DE812345678"),
    Party(gs1("376123450000"), "Verres + Montures SARL", "12 rue de l'Église", "Lyon", "69002",
          "FR", "FR40123456789"),
    Party(gs1("841234500002"), "Lentes Claras S.L.", "Calle Mayor 7", "Madrid", "28013", "ES",
          "ESB12345678"),
    Party(gs1("801234500003"), "Ottica Bellavista S.p.A.", "Via Roma 44", "Milano", "20121",
          "IT", "IT01234567890"),
    Party(gs1("871234500004"), "Helder Zicht B.V.", "Kerkstraat 3", "Utrecht", "3511 AB", "NL",
          "NL123456789B01"),
    Party(gs1("731234500005"), "Åkesson Glas AB", "Storgatan 5", "Göteborg", "411 01", "SE",
          "SE556677889901"),
)  # fmt: skip
BUYER = Party(gs1("541234500001"), "TaskPulse Retail SA", "Avenue Louise 54", "Bruxelles",
              "1050", "BE", "BE0123456789")  # fmt: skip


@dataclass(frozen=True)
class Product:
    gtin: str
    sku: str
    description: str
    price: Decimal
    rate: Decimal


PRODUCTS = tuple(
    Product(gs1(gtin), sku, description, Decimal(price), Decimal(rate))
    for gtin, sku, description, price, rate in (
        ("400086214140", "SV-150-AR", "Brillenglas Einstärken 1,5 entspiegelt", "24.90", "19"),
        ("400086214141", "PR-167-BL", "Gleitsichtglas 1,67 Blaulichtfilter", "189.00", "19"),
        ("376001234560", "MA-ECA-52", "Monture acétate écaille 52-18", "58.00", "19"),
        ("376001234561", "ET-MIC-01", "Étui rigide microfibre", "4.35", "19"),
        ("841000123450", "LD-30-PL", "Lentillas diarias (30 u.)", "21.50", "7"),
        ("801000123451", "SP-050", "Spray detergente 50 ml", "3.20", "19"),
        ("871000123452", "KL-MAAND", "Maandlenzen O'Clear (6 st.)", "32.75", "7"),
        ("731000123453", "PUTS-100", "Putsduk mikrofiber 100-pack", "12.40", "19"),
    )
)


@dataclass(frozen=True)
class InvoiceSpec:
    number: str
    supplier: Party
    buyer: Party
    issue_date: date
    currency: str
    lines: tuple[tuple[Product, int], ...]
    payment_days: int = 30

    @property
    def amounts(self) -> list[Decimal]:
        return [money(product.price * quantity) for product, quantity in self.lines]

    @property
    def taxes(self) -> dict[Decimal, tuple[Decimal, Decimal]]:
        """rate -> (taxable amount, tax), the tax rounded once per rate."""
        bases: dict[Decimal, Decimal] = defaultdict(Decimal)
        for (product, _), amount in zip(self.lines, self.amounts, strict=True):
            bases[product.rate] += amount
        return {rate: (base, money(base * rate / 100)) for rate, base in sorted(bases.items())}

    @property
    def net(self) -> Decimal:
        return sum(self.amounts, Decimal(0))

    @property
    def tax(self) -> Decimal:
        return sum((tax for _, tax in self.taxes.values()), Decimal(0))


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- writing segments ----------------------------------------------------------------------


def seg(tag: str, *elements: str | list[str]) -> Segment:
    return Segment(tag, *elements)


def invoice_segments(spec: InvoiceSpec, directory: str) -> list[Segment]:
    """The body of one INVOIC message (between UNH and UNT)."""
    item_type = "EN" if directory == "D.96A" else "SRV"
    due = spec.issue_date + timedelta(days=spec.payment_days)
    segments = [
        seg("BGM", "380", spec.number, "9"),
        seg("DTM", ["137", f"{spec.issue_date:%Y%m%d}", "102"]),
        seg("DTM", ["35", f"{spec.issue_date - timedelta(days=2):%Y%m%d}", "102"]),
        seg("RFF", ["ON", f"PO-{spec.number[-6:]}"]),
        *party_segments("SU", spec.supplier),
        *party_segments("BY", spec.buyer),
        seg("CUX", ["2", spec.currency, "4"]),
        seg("PAT", "1", "", ["5", "3", "D", str(spec.payment_days)]),
        seg("DTM", ["13", f"{due:%Y%m%d}", "102"]),
    ]
    for number, ((product, quantity), amount) in enumerate(
        zip(spec.lines, spec.amounts, strict=True), 1
    ):
        segments += line_segments(number, product, quantity, amount, item_type)
    return segments + summary_segments(spec)


def party_segments(qualifier: str, party: Party) -> list[Segment]:
    return [
        seg("NAD", qualifier, [party.code, "", "9"], "", party.name, party.street, party.city,
            "", party.postcode, party.country),
        seg("RFF", ["VA", party.vat_number]),
    ]  # fmt: skip


def line_segments(
    number: int, product: Product, quantity: int, amount: Decimal, item_type: str
) -> list[Segment]:
    return [
        seg("LIN", str(number), "", [product.gtin, item_type]),
        seg("PIA", "5", [product.sku, "SA"]),
        seg("IMD", "F", "", ["", "", "", *description_parts(product.description)]),
        seg("QTY", ["47", str(quantity), "PCE"]),
        seg("MOA", ["203", f"{amount:.2f}"]),
        seg("PRI", ["AAA", f"{product.price:.2f}"]),
        seg("TAX", "7", "VAT", "", "", ["", "", "", f"{product.rate:g}"], "S"),
    ]


def description_parts(text: str) -> list[str]:
    """7008 is an..35, repeated twice: longer descriptions are split."""
    return [text[:35], text[35:70]] if len(text) > 35 else [text]


def summary_segments(spec: InvoiceSpec) -> list[Segment]:
    segments = [
        seg("UNS", "S"),
        seg("CNT", ["2", str(len(spec.lines))]),
        seg("MOA", ["79", f"{spec.net:.2f}"]),
        seg("MOA", ["125", f"{spec.net:.2f}"]),
        seg("MOA", ["176", f"{spec.tax:.2f}"]),
        seg("MOA", ["77", f"{spec.net + spec.tax:.2f}"]),
    ]
    for rate, (base, tax) in spec.taxes.items():
        segments += [
            seg("TAX", "7", "VAT", "", "", ["", "", "", f"{rate:g}"], "S"),
            seg("MOA", ["124", f"{tax:.2f}"]),
            seg("MOA", ["125", f"{base:.2f}"]),
        ]
    return segments


Mutation = Callable[[list[Segment]], list[Segment]]


def interchange_segments(
    specs: list[InvoiceSpec], *, directory: str, charset: str, reference: str,
    prepared: datetime,
) -> list[Segment]:  # fmt: skip
    """UNB, then UNH ... UNT per invoice, then UNZ, with correct counts and references."""
    version, release = directory.split(".")
    syntax = "4" if directory == "D.01B" else "3"
    stamp = f"{prepared:%Y%m%d}" if syntax == "4" else f"{prepared:%y%m%d}"
    sender, recipient = [specs[0].supplier.code, "14"], [specs[0].buyer.code, "14"]
    segments = [
        seg("UNB", [charset, syntax], sender, recipient, [stamp, f"{prepared:%H%M}"], reference)
    ]
    association = "EAN008" if directory == "D.96A" else "EAN010"
    for index, spec in enumerate(specs, 1):
        body = invoice_segments(spec, directory)
        segments.append(seg("UNH", str(index), ["INVOIC", version, release, "UN", association]))
        segments += body
        segments.append(seg("UNT", str(len(body) + 2), str(index)))
    segments.append(seg("UNZ", str(len(specs)), reference))
    return segments


def render(
    segments: list[Segment], *, charset: str, una: bool = True, break_lines: bool = False,
    encoding: str | None = None,
) -> bytes:  # fmt: skip
    text = Serializer(CHARACTERS).serialize(segments, una, break_lines)
    codec = encoding or CODECS[charset]
    if codec == "ascii":
        text = ascii_fold(text)
    return text.encode(codec)


def ascii_fold(text: str) -> str:
    """What a sender limited to UNOA writes: "Göteborg" -> "Goteborg"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def interchange_bytes(
    specs: list[InvoiceSpec], *, directory: str = "D.96A", charset: str = "UNOC",
    reference: str = "1", una: bool = True, break_lines: bool = False,
    prepared: datetime | None = None, mutate: Mutation | None = None,
    encoding: str | None = None,
) -> bytes:  # fmt: skip
    """A whole file: `mutate` may edit the segments (counts and references already set)."""
    prepared = prepared or datetime.combine(specs[0].issue_date, datetime.min.time())
    segments = interchange_segments(specs, directory=directory, charset=charset,
                                    reference=reference, prepared=prepared)  # fmt: skip
    if mutate is not None:
        segments = mutate(segments)
    return render(segments, charset=charset, una=una, break_lines=break_lines, encoding=encoding)


# --- random but reproducible invoices ------------------------------------------------------


def random_invoice(rng: random.Random, number: str, *, lines: int | None = None) -> InvoiceSpec:
    supplier = rng.choice(SUPPLIERS)
    count = lines if lines is not None else rng.randint(1, 8)
    quantities = (1, 1, 2, 3, 5, 10, 12)
    chosen = tuple((rng.choice(PRODUCTS), rng.choice(quantities)) for _ in range(count))
    issued = date(2025, 1, 2) + timedelta(days=rng.randrange(0, 360))
    return InvoiceSpec(number=number, supplier=supplier, buyer=BUYER, issue_date=issued,
                       currency=rng.choice(("EUR", "EUR", "EUR", "SEK")), lines=chosen,
                       payment_days=rng.choice((14, 30, 60)))  # fmt: skip


@dataclass(frozen=True)
class EdiFile:
    name: str
    content: bytes
    invoices: int  # invoices stored when this file is imported the first time
    defect: str = ""  # one of DEFECTS, "" for a valid file
    numbers: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """How the import's error for this file starts ("" for a valid file)."""
        return REASONS.get(self.defect, "")


def valid_file(rng: random.Random, name: str, prefix: str) -> EdiFile:
    count = rng.choices((1, 2, 3), weights=(15, 4, 1))[0]
    specs = [random_invoice(rng, f"{prefix}-{k}") for k in range(1, count + 1)]
    directory = rng.choice(("D.96A", "D.96A", "D.01B"))
    charset = rng.choices(("UNOC", "UNOW", "UNOA"), weights=(6, 2, 2))[0]
    content = interchange_bytes(
        specs, directory=directory, charset=charset, reference=prefix[-14:].replace("-", ""),
        una=rng.random() < 0.8, break_lines=rng.random() < 0.5,
    )  # fmt: skip
    return EdiFile(name, content, len(specs), numbers=tuple(s.number for s in specs))


def invalid_file(defect: str, rng: random.Random, name: str, prefix: str, *,
                 max_bytes: int) -> EdiFile:  # fmt: skip
    """A file that breaks one rule; every other part of it is fine."""
    spec = random_invoice(rng, f"{prefix}-1")
    content = DEFECT_MAKERS[defect](spec, rng, max_bytes)
    return EdiFile(name, content, 0, defect=defect)


def truncated(spec: InvoiceSpec, rng: random.Random, max_bytes: int) -> bytes:
    whole = interchange_bytes([spec], break_lines=True)
    cut = int(len(whole) * 0.6)
    while whole[cut - 1 : cut] in (b"'", b"\n"):
        cut -= 1  # end inside a segment, as a transfer cut short does
    return whole[:cut]


def oversize(spec: InvoiceSpec, rng: random.Random, max_bytes: int) -> bytes:
    """A genuine invoice, only with so many lines that it passes the size limit."""
    lines = max(1, max_bytes // 140 + 1)  # a line group is at least 140 bytes
    while True:
        big = replace(spec, lines=tuple((rng.choice(PRODUCTS), 1) for _ in range(lines)))
        content = interchange_bytes([big], break_lines=True)
        if len(content) > max_bytes:
            return content
        lines *= 2


def edited(tag: str, change: Callable[[Segment], Segment | None]) -> Mutation:
    """Change (or drop, with None) every segment with this tag."""

    def mutate(segments: list[Segment]) -> list[Segment]:
        out = [change(s) if s.tag == tag else s for s in segments]
        return [s for s in out if s is not None]

    return mutate


def without_supplier(segments: list[Segment]) -> list[Segment]:
    """No NAD+SU (and its RFF), with UNT still counting right: only the NAD rule is broken."""
    start = next(i for i, s in enumerate(segments) if s.tag == "NAD" and s.elements[0] == "SU")
    kept = segments[:start] + segments[start + 2 :]
    unt = next(s for s in kept if s.tag == "UNT")
    unt.elements[0] = str(int(str(unt.elements[0])) - 2)
    return kept


def with_element(index: int, value: str | list[str]) -> Callable[[Segment], Segment]:
    def change(segment: Segment) -> Segment:
        elements = list(segment.elements)
        elements[index] = value
        return Segment(segment.tag, *elements)

    return change


def gross_off_by(amount: str) -> Callable[[Segment], Segment]:
    def change(segment: Segment) -> Segment:
        if segment.elements[0][0] != "77":
            return segment
        return Segment("MOA", ["77", f"{Decimal(segment.elements[0][1]) + Decimal(amount):.2f}"])

    return change


def count_off_by(difference: int) -> Callable[[Segment], Segment]:
    def change(segment: Segment) -> Segment:
        return with_element(0, str(int(str(segment.elements[0])) + difference))(segment)

    return change


DEFECT_MAKERS: dict[str, Callable[[InvoiceSpec, random.Random, int], bytes]] = {
    "empty": lambda spec, rng, max_bytes: b"",
    "binary": lambda spec, rng, max_bytes: (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02"
        + bytes(rng.randrange(256) for _ in range(512))
    ),
    "truncated": truncated,
    # Declared as plain ASCII but written in Latin-1 ("Hafenstraße", "acétate"...).
    "wrong_charset": lambda spec, rng, max_bytes: interchange_bytes(
        [replace(spec, supplier=SUPPLIERS[0])], charset="UNOA", encoding="latin-1"
    ),
    "oversize": oversize,
    "bad_totals": lambda spec, rng, max_bytes: interchange_bytes(
        [spec], mutate=edited("MOA", gross_off_by("10.00"))
    ),
    "bad_control_count": lambda spec, rng, max_bytes: interchange_bytes(
        [spec], mutate=edited("UNT", count_off_by(3))
    ),
    "reference_mismatch": lambda spec, rng, max_bytes: interchange_bytes(
        [spec], reference="REF1", mutate=edited("UNZ", with_element(1, "REF2"))
    ),
    "missing_supplier": lambda spec, rng, max_bytes: interchange_bytes(
        [spec], mutate=without_supplier
    ),
    "unknown_charset": lambda spec, rng, max_bytes: interchange_bytes(
        [spec], mutate=edited("UNB", with_element(0, ["UNOZ", "3"]))
    ),
    "unsupported_directory": lambda spec, rng, max_bytes: interchange_bytes(
        [spec], mutate=edited("UNH", with_element(1, ["INVOIC", "D", "93A", "UN"]))
    ),
    "not_edifact": lambda spec, rng, max_bytes: (
        f"invoice;supplier;total\n{spec.number};{spec.supplier.name};{spec.net}\n"
    ).encode(),
}


def generate_batch(
    count: int = 50, invalid: int = 5, *, seed: int = 1, max_bytes: int = 5 * 1024 * 1024,
    defects: tuple[str, ...] = DEFECTS,
) -> list[EdiFile]:  # fmt: skip
    """`count` files of which `invalid` are defective (spread out, kinds in DEFECTS order).

    Invoice numbers are unique per seed: two batches of different seeds never share one.
    """
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    bad = {int((k + 0.5) * count / invalid) + 1: defects[k % len(defects)] for k in range(invalid)}
    files = []
    for index in range(1, count + 1):
        name, prefix = f"invoic_{seed}_{index:04d}.edi", f"INV-{seed}-{index:05d}"
        if index in bad:
            files.append(invalid_file(bad[index], rng, name, prefix, max_bytes=max_bytes))
        else:
            files.append(valid_file(rng, name, prefix))
    return files
