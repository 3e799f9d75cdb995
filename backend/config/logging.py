"""Log filters: a client's bad request, and Redis being down, are one line, not a traceback."""

from __future__ import annotations

import logging
import time


class ClientErrorsOnOneLine(logging.Filter):
    """Drop the traceback of records about a client's error (answered 4xx, or a bad frame).

    Django logs `RequestDataTooBig` and other refused requests with their exception, and
    uvicorn logs a WebSocket text frame that is not UTF-8 with the decode error: the
    message alone says what happened, and the stack is the server's, not the client's.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if _is_client_error(record):
            record.exc_info = None
            record.exc_text = None
        return True


def _is_client_error(record: logging.LogRecord) -> bool:
    status = getattr(record, "status_code", None)
    if isinstance(status, int):
        return status < 500
    error = record.exc_info[1] if record.exc_info else None
    return record.name.startswith("uvicorn") and isinstance(error, UnicodeDecodeError)


class RedisOutagesOnOneLine(logging.Filter):
    """While Redis is down, records about it come again and again, each with a traceback:
    channels_redis's receive loop (web) every second or two, beat at every tick it cannot
    send. Such a record becomes one line naming the error, at most once per REPEAT_SECONDS
    per logger; the next one says how many were left out. Other records pass untouched.
    """

    REPEAT_SECONDS = 30.0

    def __init__(self) -> None:
        super().__init__()
        self.last_said: dict[str, float] = {}
        self.left_out: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        error = _redis_outage(record.exc_info[1] if record.exc_info else None)
        if error is None:
            return True
        now = time.monotonic()
        if now - self.last_said.get(record.name, -self.REPEAT_SECONDS) < self.REPEAT_SECONDS:
            self.left_out[record.name] = self.left_out.get(record.name, 0) + 1
            return False
        self.last_said[record.name] = now
        left_out = self.left_out.pop(record.name, 0)
        first_line = record.getMessage().splitlines()[0].rstrip(":")
        record.msg = f"{first_line} (Redis unreachable: {type(error).__name__}: {error})"
        if left_out:
            record.msg += f"; {left_out} more like it since the last"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


def _redis_outage(error: BaseException | None) -> BaseException | None:
    """The Redis connection error behind `error` (its cause or context), if there is one."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError, TimeoutError

    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, ConnectionError | TimeoutError | OperationalError):
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None
