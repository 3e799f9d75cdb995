"""The cluster test's own arithmetic: seqs received against the database, and its table."""

from __future__ import annotations

from clustertest.report import Row, failed, harness_error, table
from clustertest.watchers import Seen, SeqCount, missing_seqs, seq_count


def test_every_seq_received_once_counts_nothing() -> None:
    seen = Seen(states=[0, 1, 3, 5], lines=[2, 4])

    assert seq_count(seen, line_seqs=[2, 4], final_seq=5) == SeqCount(0, 0, 0, 0, 0, 0)


def test_a_log_line_missing_and_one_twice() -> None:
    seen = Seen(states=[0, 1, 5], lines=[2, 2, 4])

    count = seq_count(seen, line_seqs=[2, 3, 4], final_seq=5)

    assert (count.missing_lines, count.duplicate_lines) == (1, 1)
    assert missing_seqs(seen, [2, 3, 4], 5) == [3]


def test_a_state_overtaken_by_a_newer_one_is_superseded_not_missing() -> None:
    """The server drops a state older than one it sent (a subscription's snapshot)."""
    count = seq_count(Seen(states=[0, 3, 4], lines=[1]), line_seqs=[1], final_seq=4)

    assert (count.superseded, count.missing_states) == (1, 0)


def test_a_final_state_never_received_is_missing() -> None:
    count = seq_count(Seen(states=[0, 1, 2], lines=[]), line_seqs=[], final_seq=4)

    assert (count.missing_states, count.superseded) == (2, 0)


def test_states_going_backwards_and_a_resent_snapshot() -> None:
    """After a reconnect, a snapshot with the seq held is re-sent (ignored by seq); an older
    state after a newer one went backwards."""
    count = seq_count(Seen(states=[0, 2, 2, 1, 3], lines=[]), line_seqs=[], final_seq=3)

    assert (count.resent, count.backwards) == (1, 1)


def test_since_seq_is_the_newest_log_line_held() -> None:
    assert Seen(states=[9], lines=[2, 7, 4]).since_seq() == 7
    assert Seen(states=[9]).since_seq() == 0


def test_a_row_fails_on_its_non_zero_must_be_zero_columns_only() -> None:
    clean = Row("a", launched=3, ended_right=3, stuck=0, missing=0, note="fine")
    dirty = Row("b", launched=3, ended_right=2, stuck=1, duplicates=2)

    assert (clean.failing, dirty.failing) == ([], ["stuck", "duplicates"])
    assert failed([clean, dirty]) == ["b (stuck, duplicates)"]
    assert harness_error("c", RuntimeError("boom")).failing == ["harness error"]


def test_the_table_shows_unmeasured_columns_as_a_dash_and_the_figures() -> None:
    text = table([Row("a. x", launched=2, ended_right=2, stuck=0, note="n")],
                 {"g. launches/s": "27.8"}, "footer")  # fmt: skip
    lines = text.splitlines()

    assert lines[0].split(" | ")[:4] == ["check", "launched", "ended right", "stuck"]
    assert [cell.strip() for cell in lines[2].split(" | ")][:6] == ["a. x", "2", "2", "0", "-", "-"]
    assert lines[2].split(" | ")[-2].strip() == "0"  # exited
    assert "footer" in lines
    assert lines[-1].split(" | ")[1].strip() == "27.8"
