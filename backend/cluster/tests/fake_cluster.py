"""What the fake Flower of the cluster tests answers, and where nothing answers."""

from __future__ import annotations

from stack.redis import free_port
from task_manager.tests.factories import DEMO_TASK
from testing.fake_flower import Reply

WORKER = "w1@host"
INSPECTED = {
    WORKER: {
        "stats": {
            "pid": 10,
            "pool": {
                "implementation": "celery.concurrency.prefork:TaskPool",
                "max-concurrency": 2,
                "processes": [11, 12, 13],
            },
            "total": {DEMO_TASK: 7},
        },
        "active_queues": [{"name": "celery"}, {"name": "deploy"}],
        "timestamp": 1700000000.0,
    }
}
EVENTS = {
    "data": [
        {
            "hostname": WORKER, "status": True, "active": 1, "processed": 7,
            "loadavg": [0.5, 0.25, 0.125], "heartbeats": [1700000001.0, 1700000002.0],
            "task-received": 7, "task-started": 7, "task-succeeded": 5, "task-failed": 2,
            "sw_ver": "5.7.0", "pid": 10,
        }
    ]
}  # fmt: skip
QUEUES = {"active_queues": [{"name": "celery", "messages": 3}, {"name": "deploy", "messages": 0}]}
EXPECTED_ROW = {
    "name": WORKER,
    "status": "online",
    "active": 1,
    "processed": 7,
    "failed": 2,
    "loadavg": [0.5, 0.25, 0.125],
    "pool": "celery.concurrency.prefork:TaskPool",
    "pool_size": 3,
    "concurrency": 2,
    "queues": ["celery", "deploy"],
    "last_heartbeat": "2023-11-14T22:13:22+00:00",
    "inspected_at": "2023-11-14T22:13:20+00:00",
    "pid": 10,
    "celery_version": "5.7.0",
}


def healthy() -> dict[str, Reply]:
    return {
        "/flower/api/workers": Reply(body=INSPECTED),
        "/flower/workers": Reply(body=EVENTS),
        "/flower/api/queues/length": Reply(body=QUEUES),
        "/flower/healthcheck": Reply(body="OK"),
    }


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"
