"""An INVOIC's summary section (after UNS+S), and its totals checked against the lines:
MOA 79 and 125 against the line amounts, the tax of each rate against its TAX group and the
tax total, and lines plus tax against the invoice total, each within a cent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from edi.parsers.documents import InvoiceLine
from edi.parsers.interchange import Segment
from edi.parsers.values import differs, money, number, rate_of

Amounts = dict[str, tuple[Decimal, Segment]]


@dataclass
class TaxGroup:
    tax: Segment
    rate: Decimal | None
    amounts: Amounts = field(default_factory=dict)


@dataclass
class Summary:
    amounts: Amounts = field(default_factory=dict)
    groups: list[TaxGroup] = field(default_factory=list)
    line_count: Segment | None = None

    def only_rate(self) -> Decimal | None:
        """An invoice at a single rate may give it in the summary only."""
        rates = {group.rate for group in self.groups if group.rate is not None}
        return rates.pop() if len(rates) == 1 else None

    def stated(self, *qualifiers: str) -> Decimal:
        return next(self.amounts[q][0] for q in qualifiers if q in self.amounts)

    def segment(self, *qualifiers: str) -> Segment:
        return next(self.amounts[q][1] for q in qualifiers if q in self.amounts)

    def gross(self) -> Decimal:
        return self.stated("77", "86")


def read_summary(segments: list[Segment]) -> Summary:
    """Totals, and TAX groups: MOA 124/125 right after a TAX belong to its rate."""
    summary = Summary()
    group: TaxGroup | None = None
    for segment in segments:
        if segment.tag == "TAX":
            group = TaxGroup(segment, rate_of(segment))
            summary.groups.append(group)
        elif segment.tag == "MOA":
            qualifier = segment.value(0, 0)
            target = group.amounts if group and qualifier in ("124", "125") else summary.amounts
            value = number(segment, 0, 1, f"MOA {qualifier} amount")
            target.setdefault(qualifier, (value, segment))
        else:
            group = None
            if segment.tag == "CNT" and segment.value(0, 0) == "2":
                summary.line_count = segment
    return summary


def check_totals(lines: tuple[InvoiceLine, ...], summary: Summary, uns: Segment) -> Decimal:
    """Lines against MOA 79 and 125, tax per rate against the TAX groups and the tax total,
    lines plus tax against the invoice total; returns the tax total."""
    for qualifier, what in (("79", "total of the line amounts"), ("77", "invoice total")):
        if qualifier not in summary.amounts and not (qualifier == "77" and "86" in summary.amounts):
            raise uns.fault(f"Missing segment: no MOA {qualifier} ({what}) in the summary")
    check_line_count(lines, summary)
    net = summary.stated("79")
    line_sum = sum((line.amount for line in lines), Decimal(0))
    for qualifier in ("79", "125"):
        if qualifier in summary.amounts and differs(summary.stated(qualifier), line_sum):
            raise summary.segment(qualifier).fault(
                f"Totals do not match: MOA {qualifier} says {summary.stated(qualifier)} but the "
                f"{len(lines)} line amounts add up to {line_sum}"
            )
    tax = check_tax(lines, summary, uns)
    gross = summary.gross()
    if differs(gross, net + tax):
        raise summary.segment("77", "86").fault(
            f"Totals do not match: invoice total {gross} is not lines {net} + tax {tax} "
            f"= {net + tax}"
        )
    return tax


def check_line_count(lines: tuple[InvoiceLine, ...], summary: Summary) -> None:
    cnt = summary.line_count
    if cnt is not None and cnt.value(0, 1) != str(len(lines)):
        raise cnt.fault(
            f"Control count: CNT 2 says {cnt.value(0, 1)!r} lines but there are {len(lines)}"
        )


def check_tax(lines: tuple[InvoiceLine, ...], summary: Summary, uns: Segment) -> Decimal:
    """The tax of each rate is rounded once per rate; every stated tax amount must agree."""
    bases: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.tax_rate is not None:
            bases[line.tax_rate] += line.amount
    taxes = {rate: money(base * rate / 100) for rate, base in bases.items()}
    for group in summary.groups:
        check_tax_group(group, bases, taxes)
    stated = stated_tax(summary)
    untaxed = next((line for line in lines if line.tax_rate is None), None)
    if untaxed is not None:
        if stated is None:
            raise uns.fault(
                f"Missing segment: line {untaxed.number} has no TAX rate and the summary "
                "has no tax total (MOA 124 or 176)"
            )
        return stated[0]
    computed = sum(taxes.values(), Decimal(0))
    if stated is not None and differs(stated[0], computed):
        raise stated[1].fault(
            f"Totals do not match: tax total {stated[0]} but the tax of the lines is {computed}"
        )
    return computed if stated is None else stated[0]


def check_tax_group(
    group: TaxGroup, bases: dict[Decimal, Decimal], taxes: dict[Decimal, Decimal]
) -> None:
    if group.rate is None:
        return
    base, tax = bases.get(group.rate, Decimal(0)), taxes.get(group.rate, Decimal(0))
    checks = (("125", base, "taxable amount"), ("124", tax, "tax"))
    for qualifier, expected, what in checks:
        if qualifier in group.amounts and differs(group.amounts[qualifier][0], expected):
            stated, segment = group.amounts[qualifier]
            raise segment.fault(
                f"Totals do not match: at {group.rate}% the {what} is {expected} by the lines, "
                f"but MOA {qualifier} says {stated}"
            )


def stated_tax(summary: Summary) -> tuple[Decimal, Segment] | None:
    """MOA 176 (or 124) outside the TAX groups, else the sum of the groups' MOA 124."""
    for qualifier in ("176", "124"):
        if qualifier in summary.amounts:
            return summary.amounts[qualifier]
    in_groups = [group.amounts["124"] for group in summary.groups if "124" in group.amounts]
    if not in_groups:
        return None
    return sum((amount for amount, _ in in_groups), Decimal(0)), in_groups[-1][1]
