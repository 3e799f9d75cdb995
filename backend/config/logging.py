"""Log filters: a client's bad request is one line in the log, not a traceback."""

from __future__ import annotations

import logging


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
