"""The web process: uvicorn serving config.asgi (HTTP and WebSockets) on one port.

uvicorn with uvloop, httptools and websockets' sans-I/O protocol, chosen over daphne by
`make bench` (README, "Benchmarks"): the same app answered 2.7x the conditional polls per
second and fanned an event out to 5,000 idle sockets 2.2x faster. The implementations are
named, not "auto", so that a missing one fails at start instead of running slower.
"""

from __future__ import annotations

import sys

APPLICATION = "config.asgi:application"
# The largest WebSocket message uvicorn takes (its default is 16 MiB): a larger frame is
# refused with close 1009 as soon as its header is read, before it is buffered. Clients
# send small JSON actions (the consumer answers an error past 16 KiB).
WS_MAX_BYTES = 64 * 1024


def web_argv(host: str, port: int, *, application: str = APPLICATION,
             access_log: bool = True) -> list[str]:  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", application, "--host", host, "--port", str(port),
        "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio",
        "--ws-max-size", str(WS_MAX_BYTES),
        "--lifespan", "off",  # Django's ASGI handler does not speak the lifespan protocol
        # On Ctrl-C, open WebSockets get this long to close before the process exits.
        "--timeout-graceful-shutdown", "5",
        *([] if access_log else ["--no-access-log"]),
    ]  # fmt: skip
