"""`python -m stack run` (make run) and `python -m stack exec -- CMD` (make test).

run:  preflight, embedded Redis when REDIS_URL is unset, migrate, ensure the admin user,
      then supervise the web server (uvicorn), a Celery worker, Celery beat and Flower until Ctrl-C;
      with TASKPULSE_DJANGO_TASKS=true also `manage.py db_worker` (Django's tasks framework).
exec: run CMD with REDIS_URL pointing at a Redis (an embedded one when unset).
lock: compile the lock files from pyproject.toml with uv (make lock); --check only compares.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from kombu.utils.url import maybe_sanitize_url

from config.env import BASE_DIR, VAR_DIR, Env, EnvError
from config.private_files import PRIVATE_UMASK, secure_var_dir, write_private
from stack.flower import flower_argv, flower_env
from stack.preflight import PreflightError, check_env, check_port_free, check_redis_reachable
from stack.redis import EmbeddedRedis, EmbeddedRedisError
from stack.supervisor import Program, Supervisor
from stack.web import web_argv

BACKEND_DIR = Path(__file__).resolve().parent.parent
# TaskPulse uses neither gossip (worker elections, peers' state) nor mingle (peers' revokes at
# start: a cancelled execution is finished in the database, which a task checks before it
# runs). Both restart with every broker reconnect, where gossip's restart failed with
# "Error on restarting Gossip: AttributeError" (kombu closing its channel after the lost
# connection was detached); Celery's own advice for Redis reconnects is to leave them out.
WORKER_OPTIONS = ["--without-gossip", "--without-mingle"]


def fail(message: str) -> None:
    print(f"taskpulse: {message}", file=sys.stderr)
    raise SystemExit(2)


@contextmanager
def redis_for(folder: Path, *, persistent: bool) -> Iterator[str]:
    """Yield a reachable REDIS_URL: the configured one, or an embedded server's."""
    configured = os.environ.get("REDIS_URL", "").strip()
    if configured:
        check_redis_reachable(Env().redis_url(default=""))
        yield configured
        return
    server = EmbeddedRedis(folder, persistent=persistent)
    try:
        yield server.start()
    finally:
        server.stop()


def local_flower_password() -> str:
    path = VAR_DIR / "flower_password"
    if not path.exists():
        write_private(path, secrets.token_urlsafe(16))
    return path.read_text().strip()


def private_var_dir() -> None:
    """var/ private to this user, and whatever this process and its children create too."""
    os.umask(PRIVATE_UMASK)
    secure_var_dir(VAR_DIR)


def prepare_database() -> str | None:
    """Migrate, collect static files, ensure admin; return the banner's hint about admin."""
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    from task_manager.management.commands.ensure_admin import admin_login_hint

    try:
        connection.ensure_connection()
    except Exception as exc:
        raise EnvError("DATABASE_URL", f"cannot connect to the database ({exc})") from None
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("ensure_admin", verbosity=0)  # the banner shows the password
    hint = admin_login_hint()
    connection.close()
    return hint


def programs(env: Env) -> list[Program]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "config"]
    flower = urlsplit(os.environ["FLOWER_URL"])
    return [
        Program("web", web_argv(env.text("WEB_HOST", "127.0.0.1"),
                                env.port("WEB_PORT", default=8000))),
        Program("worker", [*celery, "worker", "-E", "-l", "INFO", "-n", "worker1@%h",
                           "--concurrency", str(env.integer("TASKPULSE_WORKER_CONCURRENCY",
                                                        default=2, minimum=1)),
                           *WORKER_OPTIONS],
                # SIGTERM becomes a cold shutdown with a soft period: running tasks get
                # worker_soft_shutdown_timeout seconds, then are re-queued, never lost.
                env={"REMAP_SIGTERM": "SIGQUIT"}),
        Program("beat", [*celery, "beat", "-l", "INFO",
                         "-s", str(VAR_DIR / "celerybeat-schedule")]),
        # Served to staff by the web process at /flower/; its basic auth by environment.
        Program("flower", flower_argv(flower.hostname or "127.0.0.1", flower.port or 5555),
                env=flower_env(os.environ["FLOWER_USER"], os.environ["FLOWER_PASSWORD"])),
        *django_tasks_programs(env),
    ]  # fmt: skip


def django_tasks_programs(env: Env) -> list[Program]:
    """The worker of Django's tasks framework's database backend, when it is on."""
    if not env.flag("TASKPULSE_DJANGO_TASKS", default=False):
        return []
    worker_id = f"db_worker@{socket.gethostname()}"[:64]  # shown as the execution's worker
    return [Program("db_worker", [sys.executable, str(BASE_DIR / "manage.py"), "db_worker",
                                  "--no-reload", "--worker-id", worker_id])]  # fmt: skip


def command_run() -> int:
    env = Env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("FLOWER_URL", "http://127.0.0.1:5555")
    os.environ.setdefault("FLOWER_USER", "admin")
    private_var_dir()
    os.environ.setdefault("FLOWER_PASSWORD", local_flower_password())
    check_env(env)
    check_port_free(env.port("WEB_PORT", default=8000), "WEB_PORT, the web server")
    flower_port = urlsplit(os.environ["FLOWER_URL"]).port or 5555
    check_port_free(flower_port, "FLOWER_URL, Flower")
    with redis_for(VAR_DIR / "redis", persistent=True) as url:
        os.environ["REDIS_URL"] = url
        hint = prepare_database()
        port = env.port("WEB_PORT", default=8000)
        redis_at = maybe_sanitize_url(url)  # no password on the console
        print(f"taskpulse: Redis at {redis_at}; open http://127.0.0.1:{port}/ (Ctrl-C stops all)")
        if hint:
            print(f"taskpulse: {hint}")
        return Supervisor(programs(env), out=sys.stdout).run()


def command_exec(argv: list[str]) -> int:
    import subprocess

    if not argv:
        fail("exec needs a command: python -m stack exec -- CMD ...")
    private_var_dir()
    with (
        tempfile.TemporaryDirectory(prefix="redis-", dir=VAR_DIR) as folder,
        redis_for(Path(folder), persistent=False) as url,
    ):
        return subprocess.call(argv, env={**os.environ, "REDIS_URL": url})


def command_lock(*, check: bool) -> int:
    from stack import locks

    if not check:
        locks.lock()
        return 0
    problems = locks.check()
    for problem in problems:
        print(f"taskpulse: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m stack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the whole stack (make run)")
    exec_parser = sub.add_parser("exec", help="run a command with a Redis (make test)")
    exec_parser.add_argument("argv", nargs=argparse.REMAINDER)
    lock_parser = sub.add_parser("lock", help="compile the lock files with uv (make lock)")
    lock_parser.add_argument("--check", action="store_true", help="only report disagreements")
    args = parser.parse_args()
    if args.command == "lock":
        raise SystemExit(command_lock(check=args.check))
    try:
        if args.command == "run":
            code = command_run()
        else:
            argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
            code = command_exec(argv)
    except (EnvError, PreflightError, EmbeddedRedisError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code)


if __name__ == "__main__":
    main()
