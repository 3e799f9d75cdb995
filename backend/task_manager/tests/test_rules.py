"""The pure rules of a change: how reported changes coalesce."""

from __future__ import annotations

import pytest
from django.utils import timezone

from task_manager.rules import Change

NOW = timezone.now


@pytest.mark.parametrize(
    "change",
    [Change(status="PROGRESS"), Change(progress=0.0), Change(current_step=0),
     Change(total_steps=0), Change(message=""), Change(total_items=0), Change(processed_items=0),
     Change(failed_items=0), Change(processed_delta=1), Change(failed_delta=-1),
     Change(logs=[(NOW(), "INFO", "")]), Change(step_plan=[]),
     Change(step_marks=[(1, NOW(), None)])],
)  # fmt: skip
def test_a_change_with_any_one_thing_in_it_is_not_empty(change: Change) -> None:
    assert not change.is_empty()
    merged = Change()
    merged.merge(change)
    assert not merged.is_empty()


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
