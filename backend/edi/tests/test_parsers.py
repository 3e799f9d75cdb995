"""The parsers on their own: two directories, the envelope, character sets, totals, and
every kind of bad file with its reason and segment position."""

from __future__ import annotations

import codecs
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from edi import testdata
from edi.parsers import EdiError, ParsedFile, ParseOptions, parse_file, register, supported
from edi.parsers import registry as parser_registry
from edi.parsers.interchange import Message

FIXTURES = Path(__file__).parent / "fixtures"
D96A = (FIXTURES / "invoic_d96a.edi").read_bytes()
D01B = (FIXTURES / "invoic_d01b.edi").read_bytes()
LIMIT = 1_000_000


def parse(data: bytes, **options: str) -> ParsedFile:
    return parse_file(data, max_bytes=LIMIT, options=ParseOptions(**options))


def fault(data: bytes) -> EdiError:
    with pytest.raises(EdiError) as caught:
        parse(data)
    return caught.value


def edited(data: bytes, old: str, new: str, encoding: str = "ascii") -> bytes:
    text = data.decode(encoding)
    assert old in text, old
    return text.replace(old, new, 1).encode(encoding)


# --- the two directories -------------------------------------------------------------------


def test_a_d96a_interchange_of_two_messages_gives_two_documents() -> None:
    parsed = parse(D96A)

    assert (parsed.interchange.charset.identifier, parsed.interchange.reference) == (
        "UNOA", "IC0001",
    )  # fmt: skip
    invoice, credit = parsed.documents
    assert (invoice.directory, invoice.number, invoice.document_type) == (
        "D.96A", "INV-2025-0001", "380",
    )  # fmt: skip
    assert (invoice.issue_date, invoice.delivery_date, invoice.due_date) == (
        date(2025, 3, 14), date(2025, 3, 12), date(2025, 4, 13),
    )  # fmt: skip
    assert (invoice.supplier.code, invoice.supplier.vat_number) == ("4012345000009", "DE812345678")
    assert invoice.buyer.name == "O'Brien + Partners"  # escaped ?' and ?+ in the file
    assert invoice.currency == "EUR"
    first, second = invoice.lines
    assert first.description == "Brillenglas Einstaerken 1,5 entspiegelt"  # 7008 cut in two
    assert (first.item_code, first.supplier_item_code, first.quantity, first.unit_price) == (
        "4000862141404", "SV-150-AR", Decimal(4), Decimal("24.90"),
    )  # fmt: skip
    assert (first.tax_rate, second.tax_rate) == (Decimal(19), Decimal(7))
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        Decimal("197.85"), Decimal("25.80"), Decimal("223.65"),
    )  # fmt: skip
    # The credit note gives its rate once in the header and no tax amount: it is computed.
    assert (credit.number, credit.document_type, credit.tax_total) == (
        "CN-2025-0007", "381", Decimal("4.73"),
    )  # fmt: skip


def test_a_d01b_invoice_reads_c106_a_datetime_utf8_and_comma_decimals() -> None:
    parsed = parse(D01B)

    (invoice,) = parsed.documents
    assert parsed.interchange.charset.identifier == "UNOW"
    assert invoice.directory == "D.01B"
    assert invoice.number == "INV-2025-0042"  # BGM C106 "INV-2025-0042:2": number, version
    assert invoice.issue_date == date(2025, 3, 14)  # DTM format 203 (CCYYMMDDHHMM)
    assert (invoice.supplier.name, invoice.supplier.city) == ("Åkesson Glas AB", "Göteborg")
    assert invoice.lines[1].description == "Glasögonfodral läder"
    # 1500,00 per 10 pieces (PRI price basis) for 2 pieces is 300,00.
    assert (invoice.lines[1].unit_price, invoice.lines[1].amount) == (
        Decimal("1500.00"), Decimal("300.00"),
    )  # fmt: skip
    assert (invoice.currency, invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        "SEK", Decimal("424.00"), Decimal("106.00"), Decimal("530.00"),
    )  # fmt: skip


def test_the_same_invoice_reads_the_same_from_either_directory() -> None:
    spec = testdata.random_invoice(random.Random(7), "INV-7-1", lines=5)

    d96a = parse(testdata.interchange_bytes([spec], directory="D.96A")).documents[0]
    d01b = parse(testdata.interchange_bytes([spec], directory="D.01B")).documents[0]

    assert (d96a.directory, d01b.directory) == ("D.96A", "D.01B")
    assert d96a.lines == d01b.lines
    assert (d96a.number, d96a.supplier, d96a.gross_total) == (
        d01b.number, d01b.supplier, d01b.gross_total,
    )  # fmt: skip
    assert d96a.net_total == spec.net
    assert d96a.tax_total == spec.tax


def test_an_invoice_without_cux_is_in_the_default_currency() -> None:
    data = edited(D01B, "CUX+2:SEK:4'\n", "", encoding="utf-8")
    data = edited(data, "UNT+25+1'", "UNT+24+1'", encoding="utf-8")

    assert parse(data, default_currency="CHF").documents[0].currency == "CHF"


def test_the_registry_names_what_is_read_and_takes_new_message_types() -> None:
    assert supported() == {"INVOIC": ["D.96A", "D.01B"]}
    orders = edited(D96A, "INVOIC:D:96A", "ORDERS:D:96A")
    assert str(fault(orders)) == (
        "Unsupported: message type 'ORDERS' is not read here (supported: INVOIC) (segment 3, UNH)"
    )

    @register("ORDERS", directories=("D.96A",))
    def parse_orders(message: Message, options: ParseOptions) -> str:
        return f"order {message.reference}"

    try:
        assert parse(orders).documents[0] == "order ME000001"
    finally:
        parser_registry._parsers.pop("ORDERS")


# --- every kind of bad file ----------------------------------------------------------------


@pytest.mark.parametrize("defect", testdata.DEFECTS)
def test_each_kind_of_bad_file_fails_with_its_reason(defect: str) -> None:
    file = testdata.invalid_file(
        defect,
        random.Random(3),
        "bad.edi",
        "INV-3-00001",
        max_bytes=20_000,
    )

    with pytest.raises(EdiError) as caught:
        parse_file(file.content, max_bytes=20_000)

    assert caught.value.reason.startswith(file.reason)


def test_whole_file_faults_name_no_segment() -> None:
    assert (str(fault(b"")), fault(b"").position) == ("Empty file: 0 bytes", None)
    assert str(fault(b" \r\n ")) == "Empty file: only whitespace"
    assert str(fault(b"UNB+UNOC:3\x00\x00")) == (
        "Binary content: byte 0x00 at offset 10; this is not an EDIFACT text file"
    )
    utf16 = codecs.BOM_UTF16_LE + "UNB+UNOC:3".encode("utf-16-le")
    assert "(UTF-16 text?)" in str(fault(utf16))
    too_large = "File too large: 1,000,001 bytes, over the limit of 1,000,000 bytes"
    assert str(fault(b"x" * (LIMIT + 1))) == too_large


def test_truncated_files_say_where_they_end() -> None:
    inside = fault(D96A[: D96A.index(b"QTY+47:3")] + b"QTY+47")
    assert (
        str(inside)
        == "Truncated: the file ends inside a segment, after segment 25 (IMD) (segment 26)"
    )
    after_separator = fault(D96A[: D96A.index(b"QTY+47:3")] + b"QTY+")
    assert after_separator.position == 26
    no_unz = fault(D96A[: D96A.index(b"UNZ")])
    assert str(no_unz) == (
        "Truncated: the interchange ends without its UNZ trailer (segment 56, UNT)"
    )


@pytest.mark.parametrize(
    ("old", "new", "encoding", "reason"),
    [
        ("UNB+UNOA", "UNB+UNOX", "ascii", "Unknown character set: UNB declares 'UNOX'"),
        ("Hafenstrasse", "Hafenstraße", "latin-1", "Wrong character set: byte 0xDF at offset "
         "274 is not valid in UNOA (ISO 646 level A, ASCII)"),
        ("Hafenstrasse", "Hafenstraße", "utf-8", "Wrong character set: the file is UTF-8 but "
         "UNB declares UNOA (ISO 646 level A, ASCII); declare UNOW or convert the file"),
    ],
)  # fmt: skip
def test_the_declared_character_set_is_applied_strictly(
    old: str, new: str, encoding: str, reason: str
) -> None:
    data = D96A.decode("ascii").replace(old, new).encode(encoding)

    error = fault(data)

    assert error.reason.startswith(reason)
    assert (error.position, error.tag) == (2, "UNB")  # UNA is segment 1


def test_latin1_and_utf8_mislabels_are_caught() -> None:
    latin1 = D96A.decode().replace("UNOA", "UNOC").replace("Hamburg", "Hambürg")
    assert parse(latin1.encode("latin-1")).documents[0].supplier.city == "Hambürg"
    assert str(fault(latin1.encode("utf-8"))).startswith(
        "Wrong character set: the file is UTF-8 but UNB declares UNOC"
    )
    euro = latin1.replace("Hambürg", "Hamburg €").encode("cp1252")
    assert "(Windows-1252 text?)" in str(fault(euro))
    utf8 = D01B.decode("utf-8")
    assert str(fault(utf8.encode("latin-1"))).startswith("Wrong character set: byte 0xC5 at offset")
    with_bom = codecs.BOM_UTF8 + D01B
    assert parse(with_bom).documents[0].supplier.name == "Åkesson Glas AB"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("UNT+40+ME000001", "UNT+41+ME000001",
         "Control count: UNT says 41 but there are 40 segments in message 'ME000001' "
         "(segment 42, UNT)"),
        ("UNT+40+ME000001", "UNT+40+ME000009",
         "Reference mismatch: UNT reference 'ME000009' does not match UNH reference "
         "'ME000001' (segment 42, UNT)"),
        ("UNZ+2+IC0001", "UNZ+3+IC0001",
         "Control count: UNZ says 3 but there are 2 messages in the interchange (segment 57, UNZ)"),
        ("UNZ+2+IC0001", "UNZ+2+IC0002",
         "Reference mismatch: UNZ reference 'IC0002' does not match UNB reference 'IC0001' "
         "(segment 57, UNZ)"),
        ("UNT+40+ME000001'", "ABC+1'",
         "Missing segment: message 'ME000001' has no UNT (segment 43, UNH)"),
        ("UNZ+2+IC0001'", "FTX+AAI+++stray'UNZ+2+IC0001'",
         "Misplaced segment: FTX outside of a message (UNH) (segment 57, FTX)"),
        ("UNH+ME000002", "UNG+INVOIC'UNH+ME000002",
         "Unsupported: functional groups (UNG) are not read (segment 43, UNG)"),
        ("INVOIC:D:96A:UN:EAN008'\nBGM+380", "INVOIC:D:93A:UN'\nBGM+380",
         "Unsupported: INVOIC D.93A is not read here (supported directories: D.96A, D.01B) "
         "(segment 3, UNH)"),
    ],
)  # fmt: skip
def test_the_envelope_is_checked(old: str, new: str, message: str) -> None:
    assert str(fault(edited(D96A, old, new))) == message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("MOA+77:223.65", "MOA+77:223.67",
         "Totals do not match: invoice total 223.67 is not lines 197.85 + tax 25.80 = 223.65 "
         "(segment 35, MOA)"),
        ("MOA+79:197.85", "MOA+79:197.95",
         "Totals do not match: MOA 79 says 197.95 but the 2 line amounts add up to 197.85 "
         "(segment 32, MOA)"),
        ("MOA+176:25.80", "MOA+176:25.90",
         "Totals do not match: tax total 25.90 but the tax of the lines is 25.80 "
         "(segment 34, MOA)"),
        ("MOA+124:18.92", "MOA+124:18.95",
         "Totals do not match: at 19% the tax is 18.92 by the lines, but MOA 124 says 18.95 "
         "(segment 37, MOA)"),
        ("MOA+203:99.60", "MOA+203:99.70",
         "Totals do not match: line 1: QTY 4 x PRI 24.90 = 99.60, but MOA 203 says 99.70 "
         "(segment 20, MOA)"),
        ("CNT+2:2", "CNT+2:3",
         "Control count: CNT 2 says '3' lines but there are 2 (segment 31, CNT)"),
        ("MOA+77:223.65'", "FTX+AAI+++no total'",
         "Missing segment: no MOA 77 (invoice total) in the summary (segment 30, UNS)"),
        ("DTM+137:20250314:102", "DTM+138:20250314:102",
         "Missing segment: no DTM 137 (invoice date) (segment 4, BGM)"),
        ("DTM+137:20250314:102", "DTM+137:20250230:102",
         "Invalid value: DTM 137 '20250230' is not a date in format 102 (segment 5, DTM)"),
        ("DTM+137:20250314:102", "DTM+137:2025031:102",
         "Invalid value: DTM 137 '2025031' is not a date in format 102 (segment 5, DTM)"),
        ("DTM+137:20250314:102", "DTM+137:2025-W11:616",
         "Unsupported: DTM 137 date format '616' (supported: 102, 203, 204, 101) "
         "(segment 5, DTM)"),
        ("QTY+47:4:PCE", "QTY+47:four:PCE",
         "Invalid value: QTY 47 quantity 'four' is not a number (segment 19, QTY)"),
        ("TAX+7+VAT+++:::19+S'\nLIN+2", "TAX+7+VAT+++:::190+S'\nLIN+2",
         "Invalid value: TAX rate 190 is not a percentage (segment 22, TAX)"),
        ("NAD+BY+5412345000013::9++O?'Brien ?+ Partners+", "NAD+XX+5412345000013::9++O?'Brien+",
         "Missing segment: no NAD+BY (buyer) (segment 4, BGM)"),
        ("CUX+2:EUR:4", "CUX+2:Euro:4",
         "Invalid value: currency 'Euro' is not an ISO 4217 code (segment 13, CUX)"),
        ("BGM+380+INV-2025-0001+9", "BGM+380++9",
         "Invalid value: BGM document number '' (1 to 35 characters) (segment 4, BGM)"),
        ("MOA+203:98.25'", "MOA+204:98.25'",
         "Missing segment: line 2 has no MOA 203 (line amount) (segment 23, LIN)"),
    ],
)  # fmt: skip
def test_an_invoice_must_hold_together(old: str, new: str, message: str) -> None:
    assert str(fault(edited(D96A, old, new))) == message


def test_a_total_within_a_cent_passes() -> None:
    data = edited(D96A, "MOA+77:223.65", "MOA+77:223.66")

    assert parse(data).documents[0].gross_total == Decimal("223.66")


# --- the generator ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch() -> list[testdata.EdiFile]:
    return testdata.generate_batch(60, 12, seed=11, max_bytes=50_000)


def test_generated_valid_files_parse_to_their_invoices(batch: list[testdata.EdiFile]) -> None:
    valid = [file for file in batch if not file.defect]

    for file in valid:
        documents = parse_file(file.content, max_bytes=50_000).documents
        assert [d.number for d in documents] == list(file.numbers)

    directories = {parse_file(f.content, max_bytes=50_000).documents[0].directory for f in valid}
    charsets = {parse_file(f.content, max_bytes=50_000).interchange.charset.identifier
                for f in valid}  # fmt: skip
    assert directories == {"D.96A", "D.01B"}
    assert charsets == {"UNOA", "UNOC", "UNOW"}


def test_generated_bad_files_are_spread_and_of_every_kind(batch: list[testdata.EdiFile]) -> None:
    bad = [(index, file.defect) for index, file in enumerate(batch, 1) if file.defect]

    assert [defect for _, defect in bad] == list(testdata.DEFECTS)
    assert [index for index, _ in bad] == [3, 8, 13, 18, 23, 28, 33, 38, 43, 48, 53, 58]
    for file in batch:
        if file.defect:
            with pytest.raises(EdiError, match=f"^{file.reason}"):
                parse_file(file.content, max_bytes=50_000)
