"""Beat's scheduler: Celery's own, made safe to stop at any moment.

Beat stops on SIGTERM by closing its schedule file and raising SystemExit from the signal
handler. Every task it sends leaves an AsyncResult whose __del__ talks to the result
backend; a SIGTERM landing inside that __del__ has its SystemExit swallowed ("Exception
ignored in ...", a traceback in the log), and beat ticks on against the closed file until
it crashes. So:

- the result is dropped with SIGTERM and SIGINT held: the signal arrives just after, where
  the SystemExit ends beat as intended. The process's other threads never take these
  signals (config.threads), or one of them would, and Python would run the handler inside
  the __del__ all the same;
- should a stop be lost all the same, the next tick of a closed scheduler ends beat.
"""

from __future__ import annotations

import signal
from types import SimpleNamespace
from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry

from config.threads import STOP_SIGNALS


class Scheduler(PersistentScheduler):
    closed = False

    def apply_async(
        self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> SimpleNamespace:
        result = super().apply_async(entry, producer, advance, **kwargs)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            sent = SimpleNamespace(id=result.id)  # all Scheduler.apply_entry reads
            del result
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        return sent

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if self.closed:  # stopped by a signal whose SystemExit was lost
            raise SystemExit()
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        if not self.closed:  # once: beat's stop closes it, then its loop's end again
            self.closed = True
            super().close()
