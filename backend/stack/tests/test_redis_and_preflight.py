import socket
from pathlib import Path

import psutil
import pytest
import redis

from config.env import EnvError
from stack.preflight import PreflightError, check_port_free, check_redis_reachable
from stack.redis import EmbeddedRedis


def test_embedded_redis_starts_on_its_own_port_and_stops(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path, persistent=False)
    url = server.start()
    try:
        assert not url.endswith(":6379/0")
        assert redis.Redis.from_url(url).ping()
        assert (tmp_path / "url").read_text() == url
        assert (tmp_path / "redis.pid").exists()
    finally:
        server.stop()

    assert server.process is not None
    assert server.process.poll() is not None
    assert not (tmp_path / "url").exists()


def test_embedded_redis_clears_a_leftover_of_a_killed_run(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path, persistent=False)
    first.start()
    assert first.process is not None
    leftover = psutil.Process(first.process.pid)

    second = EmbeddedRedis(tmp_path, persistent=False)
    second.start()
    try:
        leftover.wait(timeout=5)
        assert not leftover.is_running()
    finally:
        second.stop()
        first.stop()


def test_unreachable_redis_is_one_line_naming_the_variable() -> None:
    with pytest.raises(EnvError, match=r"^REDIS_URL: cannot reach Redis at redis://127.0.0.1:9/0"):
        check_redis_reachable("redis://127.0.0.1:9/0", timeout=0.5)


def test_a_busy_port_is_reported_with_the_process_name() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        with pytest.raises(PreflightError) as error:
            check_port_free(port, "WEB_PORT, the web server")

    assert f"port {port} (WEB_PORT, the web server) is already in use by python" in str(error.value)
    assert f"(pid {psutil.Process().pid})" in str(error.value)
