"""The background threads of the product's own machinery (the publisher, the flushers, the
WAL checkpointer): daemons that never take a stop signal.

The kernel hands a process's SIGTERM or SIGINT to any of its threads that does not block
it, and Python then runs the handler in the main thread at its next instruction, wherever
that is. A process that holds the stop signals for a moment (config.beat) gets them just
after only if no other thread takes them meanwhile: these threads are started with the
signals blocked, which they keep.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def start_daemon(
    target: Callable[..., Any], *, name: str, args: tuple[Any, ...] = ()
) -> threading.Thread:
    """Start a daemon thread that blocks the stop signals from its first instruction."""
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # what the thread inherits
    try:
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return thread
