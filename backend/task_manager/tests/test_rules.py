"""The pure rules of a change: how reported changes coalesce."""

from __future__ import annotations

from django.utils import timezone

from task_manager.rules import Change

NOW = timezone.now


class TestChangeMerge:
    def test_last_value_wins_deltas_add_and_an_absolute_value_resets_them(self) -> None:
        change = Change(message="a", processed_delta=2, logs=[(NOW(), "INFO", "1")])
        change.merge(Change(message="b", processed_delta=3, failed_delta=1))
        change.merge(Change(failed_items=7, logs=[(NOW(), "INFO", "2")]))

        assert change.message == "b"
        assert change.processed_delta == 5
        assert (change.failed_items, change.failed_delta) == (7, 0)
        assert [log[2] for log in change.logs] == ["1", "2"]
        assert not change.is_empty()
        assert Change().is_empty()
