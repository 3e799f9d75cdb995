import logging

import pytest
import redis

from config.outages import Outage


def test_an_outage_is_one_line_when_it_starts_and_one_with_the_count_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = Outage(logging.getLogger("test.outage"), "thing: Redis", "nothing is counted")
    outage.succeeded()
    with caplog.at_level(logging.WARNING, logger="test.outage"):
        for _ in range(3):
            outage.failed(redis.ConnectionError("Connection refused."))
        outage.failed(redis.ConnectionError("Connection refused."), count=2)
        assert outage.ongoing
        outage.succeeded()
        outage.succeeded()

    assert [r.getMessage() for r in caplog.records] == [
        "thing: Redis unreachable (ConnectionError: Connection refused.); nothing is counted "
        "until it is back",
        "thing: Redis is back after 5 failed calls",
    ]
    assert not any(r.exc_info for r in caplog.records)
    assert not outage.ongoing
