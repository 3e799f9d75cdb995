"""The bounds (seconds) of the runtime and queue-wait histograms: the rollup table has one
count column per slot (task_manager.models.ExecutionRollup), /metrics the same buckets."""

from __future__ import annotations

# Prometheus' default buckets, then minutes to an hour: tasks here run for minutes too.
BOUNDS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
)  # fmt: skip
SLOTS = len(BOUNDS) + 1  # the last one: past the last bound
RUNTIME_FIELDS = tuple(f"runtime_{slot}" for slot in range(SLOTS))
WAIT_FIELDS = tuple(f"wait_{slot}" for slot in range(SLOTS))
