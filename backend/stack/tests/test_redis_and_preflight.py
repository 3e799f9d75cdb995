import socket
import stat
from pathlib import Path
from urllib.parse import urlsplit

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


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_embedded_redis_requires_a_password_kept_private_and_off_its_command_line(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "redis"
    server = EmbeddedRedis(folder, persistent=False, unixsocket=folder / "redis.sock")
    url = server.start()
    try:
        password = (folder / "password").read_text()
        assert server.process is not None
        argv = psutil.Process(server.process.pid).cmdline()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis.from_url(f"redis://127.0.0.1:{urlsplit(url).port}/0").ping()
        assert redis.Redis.from_url(url).ping()
        assert redis.Redis.from_url(server.unix_url).ping()
    finally:
        server.stop()

    assert len(password) >= 32
    assert url.startswith(f"redis://:{password}@127.0.0.1:")
    assert password not in " ".join(argv)
    assert mode(folder) == 0o700
    for name in ("password", "redis.conf"):
        assert mode(folder / name) == 0o600, name


def test_a_persistent_embedded_redis_keeps_its_password_across_restarts(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path, persistent=True)
    url = first.start()
    assert mode(tmp_path / "url") == 0o600
    first.stop()
    second = EmbeddedRedis(tmp_path, persistent=True)
    try:
        assert second.start().split("@")[0] == url.split("@")[0]
    finally:
        second.stop()


def test_the_redis_password_stays_out_of_the_preflight_message() -> None:
    with pytest.raises(EnvError) as error:
        check_redis_reachable("redis://:s3cret-pw@127.0.0.1:9/0", timeout=0.5)

    assert "s3cret-pw" not in str(error.value)
    assert "redis://:**@127.0.0.1:9/0" in str(error.value)


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
