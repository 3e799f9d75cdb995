import logging
import sys

import pytest
import redis

from config.logging import ClientErrorsOnOneLine, RedisOutagesOnOneLine


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


def test_a_repeated_redis_outage_is_one_line_per_window_and_other_errors_pass() -> None:
    outages = RedisOutagesOnOneLine()
    down = redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    said = [outages.filter(record("channels_redis.pubsub", down)) for _ in range(5)]
    bug = record("channels_redis.pubsub", KeyError("bug"))

    assert said == [True, False, False, False, False]
    assert outages.filter(bug)
    assert bug.exc_info is not None
    outages.last_said.clear()  # the window is over
    later = record("channels_redis.pubsub", down)
    assert outages.filter(later)
    assert later.exc_info is None
    assert later.getMessage() == (
        "msg (Redis unreachable: ConnectionError: Error 111 connecting to 127.0.0.1:6379. "
        "Connection refused.); 4 more like it since the last"
    )
