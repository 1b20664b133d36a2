"""Concurrency campaign: real processes writing one database at once, on SQLite and PostgreSQL.

What is checked: the first writes of many processes to new namespaces all succeed (issue 19, defect 10:
PostgreSQL raised a raw IntegrityError); nothing acknowledged is lost; versions commit in order; a process
finds its own write at once, and another process finds it on its next recall.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.campaigns import figures, workers
from tests.campaigns.processes import CONTEXT, LONG, join_all, start

BACKENDS = ["sqlite", "postgres"]


def _backend(db_url: str) -> str:
    return "postgres" if db_url.startswith("postgresql") else "sqlite"


def _prepare(db_url: str, index_dir: Path) -> None:
    """Create the schema first: the race under test is the namespaces', not the migrations'."""
    workers.open_store(db_url, index_dir).close()


def _collect(results: Any, processes: int) -> dict[int, Any]:
    reported = {}
    for _ in range(processes):
        worker, payload, error = results.get()
        assert error is None, f"process {worker} failed:\n{error}"
        reported[worker] = payload
    return reported


def test_processes_racing_to_create_new_namespaces_all_succeed(db_url: str, tmp_path: Path) -> None:
    processes, per_round, rounds = (8, 8, 4) if LONG else (8, 4, 2)
    _prepare(db_url, tmp_path)
    for round_ in range(rounds):
        names = [f"fresh-{round_}-{n}" for n in range(per_round)]
        barrier, results = CONTEXT.Barrier(processes), CONTEXT.SimpleQueue()
        started = [
            start(workers.create_namespaces, db_url, tmp_path, w, names, barrier, results) for w in range(processes)
        ]
        try:
            reported = _collect(results, processes)
        finally:
            assert join_all(started, timeout=60) == [0] * processes
        with workers.open_store(db_url, tmp_path) as store:
            assert set(names) <= set(store.namespaces())
            for position, name in enumerate(names):
                stored = store.with_namespace(name).list_memories(limit=100)
                assert sorted(m.id for m in stored) == sorted(ids[position] for ids in reported.values())
                assert {m.text for m in stored} == {f"p{w} wrote first to {name}" for w in range(processes)}
        figures.add(f"concurrency/{_backend(db_url)}", namespace_races=per_round * processes)


def test_processes_writing_at_once_lose_nothing_and_commit_versions_in_order(db_url: str, tmp_path: Path) -> None:
    processes, count = (4, 1000) if LONG else (4, 200)
    _prepare(db_url, tmp_path)
    barrier, results = CONTEXT.Barrier(processes), CONTEXT.SimpleQueue()
    started = [start(workers.write_and_read, db_url, tmp_path, w, count, barrier, results) for w in range(processes)]
    try:
        reported = _collect(results, processes)
    finally:
        assert join_all(started, timeout=300) == [0] * processes

    # Read-your-writes: each process's search right after its add found that memory.
    wrong = sum(found != memory_id for acks in reported.values() for memory_id, _, found in acks)
    # Each process's versions rise with its writes; every write has its own version; ids rise with versions.
    for acks in reported.values():
        assert [version for _, version, _ in acks] == sorted({version for _, version, _ in acks})
    every = sorted((version, memory_id) for acks in reported.values() for memory_id, version, _ in acks)
    assert len({version for version, _ in every}) == processes * count
    assert [memory_id for _, memory_id in every] == sorted(memory_id for _, memory_id in every)

    with workers.open_store(db_url, tmp_path, namespace="shared") as store:
        stored = {m.id: m.text for m in store.list_memories(limit=processes * count + 1)}
        expected = {a[0]: workers.written_text(w, s) for w, acks in reported.items() for s, a in enumerate(acks)}
        lost = sum(stored.get(memory_id) != text for memory_id, text in expected.items())
        assert store.stats().index_version == every[-1][0]
    figures.add(
        f"concurrency/{_backend(db_url)}",
        processes=processes,
        acknowledged_writes=len(expected),
        lost=lost,
        wrong_answers=wrong,
    )
    assert (lost, wrong, len(stored)) == (0, 0, processes * count)


def test_a_write_is_found_by_its_process_at_once_and_by_another_on_its_next_recall(db_url: str, tmp_path: Path) -> None:
    rounds = 200 if LONG else 40
    _prepare(db_url, tmp_path)
    pipes = [CONTEXT.Pipe() for _ in range(2)]
    started = [start(workers.answer_commands, db_url, tmp_path, w, pipes[w][1]) for w in range(2)]
    ends = [ours for ours, _ in pipes]
    assert [end.recv() for end in ends] == ["ready", "ready"]
    wrong = 0
    try:
        for step in range(rounds):
            writer, reader = ends[step % 2], ends[1 - step % 2]
            text = workers.written_text(step % 2, step)
            writer.send(("add", text))
            memory_id = writer.recv()
            assert isinstance(memory_id, int), memory_id
            for end in (writer, reader):  # its own process, then the other one, each on its next recall
                end.send(("recall", text))
                returned = end.recv()
                assert isinstance(returned, list), returned
                wrong += returned[:1] != [memory_id]
    finally:
        for end in ends:
            end.send(None)
    assert join_all(started, timeout=60) == [0, 0]
    figures.add(
        f"read-your-writes/{_backend(db_url)}", acknowledged_writes=rounds, recalls=2 * rounds, wrong_answers=wrong
    )
    assert wrong == 0
