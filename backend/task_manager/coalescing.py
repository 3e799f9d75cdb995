"""When a progress reporter writes what a task reported: adaptive coalescing, as a pure policy.

- A report on an execution that has been quiet (no report for one interval) is written at
  once: the leading edge. A calm task's log line reaches its watchers as soon as a
  terminal would show it.
- A report that follows a recent write waits `debounce` (a few ms) for company: a step
  message and the log line written right after it travel in one write.
- Once QUICK_WRITES writes went out without a quiet interval between them, the burst is
  held to one write per interval: the next write is one interval after the last one, and
  it carries everything reported meanwhile (counters summed, the last state kept).

The reporter owns the pending change and the flusher thread; this class only tells it
when (`due`), from the reports and writes it is told about. Times are time.monotonic().
"""

from __future__ import annotations

# A step, its message and its log line, told apart by a few ms: the first write goes at
# once, the next two after a short debounce; a fourth within one interval is a burst.
QUICK_WRITES = 3


class Coalescing:
    """One execution's coalescing state (one per ProgressReporter, under its lock)."""

    def __init__(self, interval: float, debounce: float) -> None:
        self.interval = interval
        self.debounce = debounce
        self.last_report: float | None = None
        self.last_write: float | None = None
        self.quick_writes = 0  # writes since the execution was last quiet

    def due(self, now: float) -> float:
        """When a report made at `now`, with nothing pending before it, is to be written."""
        quiet = self.last_report is None or now - self.last_report >= self.interval
        self.last_report = now
        if self.interval <= 0:
            return now
        if quiet:
            self.quick_writes = 0
            return now
        if self.quick_writes < QUICK_WRITES:
            return now + min(self.debounce, self.interval)
        assert self.last_write is not None  # quick_writes > 0: something was written
        return max(now, self.last_write + self.interval)

    def joined(self, now: float) -> None:
        """A report joined a write already due: it keeps the execution from being quiet."""
        self.last_report = now

    def wrote(self, now: float) -> None:
        """Something was written at `now`."""
        self.last_write = now
        self.quick_writes += 1

    def in_burst(self) -> bool:
        return self.quick_writes >= QUICK_WRITES
