import logging
import sys

import pytest

from config.logging import ClientErrorsOnOneLine


def record(name: str, error: Exception, **extra: object) -> logging.LogRecord:
    try:
        raise error
    except type(error):
        made = logging.LogRecord(name, logging.ERROR, __file__, 1, "msg", None, sys.exc_info())
    made.__dict__.update(extra)
    return made


@pytest.mark.parametrize(
    ("made", "keeps_traceback"),
    [
        (record("django.security.RequestDataTooBig", ValueError("big"), status_code=400), False),
        (record("django.request", RuntimeError("bug"), status_code=500), True),
        (record("uvicorn.error", UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad")), False),
        (record("uvicorn.error", RuntimeError("bug")), True),
        (record("task_manager", UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad")), True),
    ],
)
def test_client_errors_lose_their_traceback_and_server_errors_keep_it(
    made: logging.LogRecord, keeps_traceback: bool
) -> None:
    assert ClientErrorsOnOneLine().filter(made) is True
    assert (made.exc_info is not None) is keeps_traceback
