"""The harness's table: one row per check, the columns that must be zero, and the figures."""

from __future__ import annotations

from dataclasses import dataclass, fields

from chaos.counts import text_table

# Columns that must be zero for the run to pass (None: not measured by that check).
MUST_BE_ZERO = ("stuck", "run_twice", "lost_finals", "missing", "duplicates", "double_recovered",
                "not_recovered", "idle_workers", "server_errors")  # fmt: skip
HEAD = ("check", "launched", "ended right", "stuck", "run twice", "lost finals", "missing",
        "duplicates", "double recovered", "not recovered", "idle workers", "5xx",
        "exited", "note")  # fmt: skip


@dataclass
class Row:
    check: str
    launched: int = 0
    ended_right: int = 0
    stuck: int | None = None
    run_twice: int | None = None
    lost_finals: int | None = None
    missing: int | None = None
    duplicates: int | None = None
    double_recovered: int | None = None
    not_recovered: int | None = None
    idle_workers: int | None = None
    server_errors: int | None = None
    exited: int = 0  # programs that exited on their own (restarted, as a supervisor would)
    note: str = ""
    broken: bool = False  # the check itself could not run

    @property
    def failing(self) -> list[str]:
        """The must-be-zero columns that are not zero (and a check that could not run)."""
        columns = [name for name in MUST_BE_ZERO if getattr(self, name) not in (None, 0)]
        return [*columns, "harness error"] if self.broken else columns

    def cells(self) -> list[object]:
        values = (getattr(self, f.name) for f in fields(self) if f.name != "broken")
        return ["-" if value is None else value for value in values]


def harness_error(check: str, error: BaseException) -> Row:
    """A check that could not run: it fails the run, with the reason as its note."""
    return Row(check, note=f"harness error: {type(error).__name__}: {error}", broken=True)


def table(rows: list[Row], figures: dict[str, str], footer: str) -> str:
    lines = text_table(HEAD, [row.cells() for row in rows])
    lines.append(footer)
    if figures:
        lines.append("")
        lines += text_table(("figure", "value"), sorted(figures.items()))
    return "\n".join(lines)


def failed(rows: list[Row]) -> list[str]:
    return [f"{row.check} ({', '.join(row.failing)})" for row in rows if row.failing]
