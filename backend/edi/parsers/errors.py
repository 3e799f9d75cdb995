"""The one error a parser raises: a reason a person can act on, and where in the file."""

from __future__ import annotations


class EdiError(Exception):
    """A file cannot be imported. `reason` starts with its kind ("Truncated: ...").

    `position` is the 1-based number of the segment at fault, counted from the start of
    the file (UNA included), and `tag` its tag; both are empty for faults of the file as a
    whole (empty, binary, too large).
    """

    def __init__(self, reason: str, *, position: int | None = None, tag: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position
        self.tag = tag

    def __str__(self) -> str:
        if self.position is None:
            return self.reason
        tag = f", {self.tag}" if self.tag else ""
        return f"{self.reason} (segment {self.position}{tag})"
