"""When a progress reporter writes what a task reported: adaptive coalescing, as a pure policy.

- A report on an execution that has been quiet (no report for one interval) is written at
  once: the leading edge. A calm task's log line reaches its watchers as soon as a
  terminal would show it.
- A report that follows a recent one waits `debounce` (a few ms) for company: a step
  message and the log line written right after it travel in one write.
- Writes spend tokens of a small bucket (QUICK_WRITES) that refills by one per interval.
  A sustained burst empties it and is then held to one write per interval, each carrying
  everything reported meanwhile (counters summed, the last state kept). A ticker whose
  beats now and then slip past one interval earns one more write per slip, no more.

The reporter owns the pending change and the flusher thread; this class only tells it
when (`due`), from the reports and writes it is told about. Times are time.monotonic().
"""

from __future__ import annotations

# A step, its message and its log line, a few ms apart: the first write goes at once, the
# next two after a short debounce; more within one interval make a burst.
QUICK_WRITES = 3


class Coalescing:
    """One execution's coalescing state (one per ProgressReporter, under its lock)."""

    def __init__(self, interval: float, debounce: float) -> None:
        self.interval = interval
        self.debounce = debounce
        self.last_report: float | None = None
        self.tokens = float(QUICK_WRITES)
        self._refilled: float | None = None

    def due(self, now: float) -> float:
        """When a report made at `now`, with nothing pending before it, is to be written."""
        quiet = self.last_report is None or now - self.last_report >= self.interval
        self.last_report = now
        if self.interval <= 0:
            return now
        self._refill(now)
        if self.tokens < 1:  # a burst: the write waits for its token
            return now + (1 - self.tokens) * self.interval
        return now if quiet else now + min(self.debounce, self.interval)

    def joined(self, now: float) -> None:
        """A report joined a write already due: it keeps the execution from being quiet."""
        self.last_report = now

    def wrote(self, now: float) -> None:
        """Something was written at `now` (a due write, or a flush the task asked for)."""
        self._refill(now)
        self.tokens = max(0.0, self.tokens - 1)

    def _refill(self, now: float) -> None:
        if self._refilled is not None and self.interval > 0:
            earned = (now - self._refilled) / self.interval
            self.tokens = min(float(QUICK_WRITES), self.tokens + earned)
        self._refilled = now
