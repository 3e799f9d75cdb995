"""Reaching Redis by its URL: a server (redis://, rediss://, unix://) or the master that
Redis Sentinel names.

A Sentinel URL is Kombu's: `sentinel://[:password@]host:26379[/db];sentinel://host2:26379`,
one part per sentinel. The password and database of the first part are the master's; the
master's name and the sentinels' own password are given apart (REDIS_SENTINEL_MASTER,
REDIS_SENTINEL_PASSWORD). Every user of Redis gets its settings from here: Celery's broker
and result backend (transport options), the channel layer (channels_redis' sentinel host),
the cache (`SentinelPool`) and plain clients (`redis_client`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.sentinel import Sentinel, SentinelConnectionPool

SENTINEL_SCHEME = "sentinel"
SENTINEL_PORT = 26379


def is_sentinel_url(url: str) -> bool:
    return urlsplit(url.split(";", 1)[0].strip()).scheme == SENTINEL_SCHEME


@dataclass(frozen=True)
class SentinelTarget:
    """The sentinels to ask, and how to log in to the master they name."""

    sentinels: tuple[tuple[str, int], ...]
    master: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_password: str | None = None

    @classmethod
    def from_url(cls, url: str, *, master: str, sentinel_password: str = "") -> SentinelTarget:
        parts = [urlsplit(part.strip()) for part in url.split(";") if part.strip()]
        if not parts or any(part.scheme != SENTINEL_SCHEME or not part.hostname for part in parts):
            raise ValueError("expected sentinel://host:26379[;sentinel://host2:26379...]")
        if not master:
            raise ValueError("a Sentinel URL needs the master's name (REDIS_SENTINEL_MASTER)")
        first = parts[0]
        db = first.path.strip("/") or "0"
        if not db.isdigit():
            raise ValueError(f"the database must be a number, got {db!r}")
        return cls(
            sentinels=tuple((part.hostname or "", part.port or SENTINEL_PORT) for part in parts),
            master=master, db=int(db),
            username=unquote(first.username) if first.username else None,
            password=unquote(first.password) if first.password else None,
            sentinel_password=sentinel_password or None,
        )  # fmt: skip

    def sentinel_kwargs(self, **socket: Any) -> dict[str, Any]:
        """What connections to the sentinels themselves take (their password, timeouts)."""
        extra = {"password": self.sentinel_password} if self.sentinel_password else {}
        return {**socket, **extra}

    def master_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"db": self.db}
        if self.username:
            kwargs["username"] = self.username
        if self.password:
            kwargs["password"] = self.password
        return kwargs

    def client(self, *, timeout: float) -> redis.Redis:
        socket = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
        manager = Sentinel(list(self.sentinels), sentinel_kwargs=self.sentinel_kwargs(**socket))
        return manager.master_for(self.master, **socket, **self.master_kwargs())


def redis_client(
    url: str, *, timeout: float, master: str = "", sentinel_kwargs: dict[str, Any] | None = None
) -> redis.Redis:
    """A client of the Redis at `url` (through its sentinels for a sentinel:// URL)."""
    if not is_sentinel_url(url):
        return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    password = (sentinel_kwargs or {}).get("password", "")
    target = SentinelTarget.from_url(url, master=master, sentinel_password=password)
    return target.client(timeout=timeout)


def shared_redis(*, timeout: float) -> redis.Redis:
    """A client of REDIS_URL, the Redis every process shares (results, cache, counters)."""
    from django.conf import settings

    password = settings.REDIS_SENTINEL_PASSWORD
    return redis_client(settings.REDIS_URL, timeout=timeout, master=settings.REDIS_SENTINEL_MASTER,
                        sentinel_kwargs={"password": password} if password else None)  # fmt: skip


def transport_options(url: str, *, master: str, sentinel_password: str = "") -> dict[str, Any]:
    """Kombu's and Celery's options for a Sentinel URL (none for another URL)."""
    if not is_sentinel_url(url):
        return {}
    target = SentinelTarget.from_url(url, master=master, sentinel_password=sentinel_password)
    options: dict[str, Any] = {"master_name": target.master}
    if target.sentinel_password:
        options["sentinel_kwargs"] = target.sentinel_kwargs()
    return options


def channel_layer_host(
    url: str, *, master: str, sentinel_password: str = "", **options: Any
) -> dict[str, Any]:
    """One entry of channels_redis' `hosts`: an address, or its sentinels and master."""
    if not is_sentinel_url(url):
        return {"address": url, **options}
    target = SentinelTarget.from_url(url, master=master, sentinel_password=sentinel_password)
    return {
        "sentinels": list(target.sentinels),
        "master_name": target.master,
        "sentinel_kwargs": target.sentinel_kwargs() or None,
        **target.master_kwargs(),
        **options,
    }


def cache_settings(url: str, *, master: str, sentinel_password: str = "") -> dict[str, Any]:
    """Django's RedisCache LOCATION and OPTIONS. Django splits LOCATION at ';' into servers
    (the first for writes): a Sentinel URL goes to `SentinelPool` whole, in OPTIONS."""
    if not is_sentinel_url(url):
        return {"LOCATION": url}
    SentinelTarget.from_url(url, master=master)  # a bad URL fails here, with the settings
    options = {"pool_class": "config.redis_conn.SentinelPool", "sentinel_url": url,
               "master_name": master, "sentinel_password": sentinel_password}  # fmt: skip
    return {"LOCATION": f"{SENTINEL_SCHEME}://{master}", "OPTIONS": options}


class SentinelPool:
    """Django's RedisCache builds its pools with `pool_class.from_url(LOCATION, **OPTIONS)`:
    this one asks the sentinels for the master (and again after a failover)."""

    @staticmethod
    def from_url(
        location: str, *, sentinel_url: str, master_name: str, sentinel_password: str = "",
        **options: Any,
    ) -> SentinelConnectionPool:  # fmt: skip
        target = SentinelTarget.from_url(
            sentinel_url, master=master_name, sentinel_password=sentinel_password
        )
        manager = Sentinel(list(target.sentinels), sentinel_kwargs=target.sentinel_kwargs())
        return SentinelConnectionPool(master_name, manager, **target.master_kwargs(), **options)


def layer_host_client(host: dict[str, Any], *, timeout: float) -> redis.Redis:
    """A client of the Redis behind one channels_redis host entry (readiness checks)."""
    socket: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    if "address" in host:
        return redis.Redis.from_url(host["address"], **socket)
    login = {key: host[key] for key in ("db", "username", "password") if host.get(key)}
    if "sentinels" in host:
        sentinel_kwargs = {**(host.get("sentinel_kwargs") or {}), **socket}
        manager = Sentinel(host["sentinels"], sentinel_kwargs=sentinel_kwargs)
        return manager.master_for(host["master_name"], **socket, **login)
    return redis.Redis(host=host.get("host", "localhost"), port=host.get("port", 6379),
                       **socket, **login)  # fmt: skip
