"""Index files carry the identity of what they index: a file of another database, namespace or state is
rebuilt from SQL with a warning (nothing embedded again), never searched as this namespace's cache.

Each case leaves a file that does not belong where the store looks, then checks that searching for each
memory's exact text finds that memory first at relevance ~1, that no search for a text the namespace does
not hold finds anything at relevance ~1 (another memory's vector under this id), and that ``agentmem
doctor`` reports the rebuild (exit 1).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agentmem import MemoryStore
from tests.campaigns.figures import add
from tests.cli.harness import Cli
from tests.support import POSTGRES_URL, CountingEmbedder

OLD = [f"old memory number {i} about the harbour" for i in range(12)]
NEW = [f"new memory number {i} about the mountains" for i in range(12)]
SAME = 0.999  # a search for a memory's exact text scores 1.0 (float32 rounding aside)


def _open(url: str | Path, namespace: str = "default", **options: object) -> MemoryStore:
    return MemoryStore.open(url, namespace=namespace, embedder=CountingEmbedder(), **options)  # type: ignore[arg-type]


def _fill(url: str | Path, texts: list[str], namespace: str = "default", **options: object) -> None:
    """Add the texts one by one (a version each) and checkpoint the index file."""
    with _open(url, namespace, **options) as store:
        for t in texts:
            store.add(t)
        store.search(texts[0], k=1)  # load the replica, so close() checkpoints it at the latest version
        store.checkpoint()


def _index_files(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*.idx")}


def _plant(files: dict[Path, bytes]) -> None:
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def assert_right_answers(store: MemoryStore, held: list[str], foreign: list[str]) -> int:
    """Every held text finds itself first; no foreign text finds anything as if it were held.

    Returns:
        The number of searches made (each one a chance of a wrong answer).
    """
    add("index identity", searches=len(held) + len(foreign))
    for t in held:
        (top,) = store.search(t, k=1)
        assert top.memory.text == t, f"search for {t!r} returned {top.memory.text!r}"
        assert top.relevance >= SAME
    for t in foreign:
        hits = store.search(t, k=3)
        assert all(h.relevance < SAME for h in hits), f"{t!r} matched {[(h.memory.text, h.relevance) for h in hits]}"
    return len(held) + len(foreign)


def _check(
    url: str | Path, held: list[str], foreign: list[str], stale: dict[Path, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    """Open with the stale files in place: rebuilt with a warning, no re-embedding, right answers, doctor says so."""
    add("index identity", cases_tried=1)
    _plant(stale)
    caplog.clear()
    embedder = CountingEmbedder()
    store = MemoryStore.open(url, embedder=embedder)
    with caplog.at_level(logging.WARNING, logger="agentmem"), store:
        assert_right_answers(store, held, foreign)
        assert embedder.embedded == len(held) + len(foreign)  # the queries only: rebuilt from the SQL blobs
        stats = store.stats()
        assert stats.index_rebuilt is not None
        assert (stats.index_size, stats.index_version) == (stats.active, stats.version)
    assert any("rebuilding it from SQL" in r.getMessage() for r in caplog.records)
    _plant(stale)
    result = Cli(url)("doctor", "--json")
    assert result.exit_code == 1, result.output
    (check,) = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "index default"]
    assert not check["ok"] and "rebuilt from SQL" in check["detail"]
    assert Cli(url)("doctor").exit_code == 0  # the first run rewrote the file


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTMEM_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


def test_sqlite_file_deleted_and_created_again_beside_its_index_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "agent.db"
    _fill(db, OLD)
    stale = _index_files(Path(f"{db}.indexes"))
    assert stale
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    _fill(db, NEW)  # the same ids, at the same versions
    _check(db, NEW, OLD, stale, caplog)


def _schema_of(url: str) -> str:
    options = make_url(url).query["options"]
    return str(options).split("search_path=")[1]


def test_postgresql_schema_dropped_and_created_again_under_the_same_url(
    postgres_url: str, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _fill(postgres_url, OLD)
    stale = _index_files(home / "indexes")
    assert stale
    schema = _schema_of(postgres_url)
    admin = create_engine(str(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    _fill(postgres_url, NEW)
    _check(postgres_url, NEW, OLD, stale, caplog)


def test_backup_restored_while_newer_index_files_stay(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "agent.db"
    _fill(db, OLD[:6])
    shutil.copy(db, tmp_path / "backup.db")
    _fill(db, OLD[6:])  # after the backup: these ids and versions exist only in the newer index file
    newer = _index_files(Path(f"{db}.indexes"))
    shutil.copy(tmp_path / "backup.db", db)
    _fill(db, NEW)  # the restored database reuses the ids and passes the newer file's version
    _check(db, OLD[:6] + NEW, OLD[6:], newer, caplog)


def test_two_namespaces_files_swapped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "agent.db"
    _fill(db, OLD, namespace="default")
    _fill(db, NEW, namespace="other")
    folder = Path(f"{db}.indexes")
    one, two = sorted(folder.glob("ns-*.idx"))
    swapped = {one: two.read_bytes(), two: one.read_bytes()}
    _check(db, OLD, NEW, swapped, caplog)


def test_memory_stores_write_no_index_file_and_load_none(tmp_path: Path, home: Path) -> None:
    # Where stores of `:memory:` wrote and read their files before: ./.agentmem or $AGENTMEM_HOME.
    planted_folder = tmp_path / "planted.db.indexes"
    _fill(tmp_path / "planted.db", OLD)
    planted = _index_files(planted_folder)
    for folder in (home / "indexes", tmp_path / ".agentmem" / "indexes"):
        for key_dir in ("", *[p.name for p in folder.glob("*")]):
            _plant({folder / key_dir / p.name: data for p, data in planted.items()})
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    add("index identity", cases_tried=1)
    for _ in range(2):  # a second store must not see anything of the first
        with _open(":memory:") as store:
            for t in NEW:
                store.add(t)
            store.checkpoint()
            assert store.stats().index_rebuilt is None
            assert_right_answers(store, NEW, OLD)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


DAMAGE: dict[str, Callable[[Path, bytes], None]] = {
    "truncated": lambda p, data: p.write_bytes(data[: len(data) // 2]),
    "random bytes": lambda p, data: p.write_bytes(os.urandom(len(data))),
    "empty": lambda p, data: p.write_bytes(b""),
    "a folder": lambda p, data: (p.unlink(), p.mkdir()),  # type: ignore[func-returns-value]
    "one byte flipped": lambda p, data: p.write_bytes(data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:]),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_index_files_are_rebuilt(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "agent.db"
    _fill(db, OLD)
    ((path, data),) = _index_files(Path(f"{db}.indexes")).items()
    DAMAGE[damage](path, data)
    add("index identity", cases_tried=1)
    with caplog.at_level(logging.WARNING, logger="agentmem"), _open(db) as store:
        assert store.stats().index_rebuilt is not None
        assert_right_answers(store, OLD, NEW)
    assert any("rebuilding it from SQL" in r.getMessage() for r in caplog.records)
    if path.is_dir():
        path.rmdir()


def test_an_index_of_another_kind_or_dimension_under_this_name_is_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "agent.db"
    _fill(db, OLD)
    other = tmp_path / "other.db"
    _fill(other, NEW, index="exact")
    with MemoryStore.open(tmp_path / "wide.db", embedder=CountingEmbedder(32)) as wide:
        wide.add_many(NEW)
        wide.search(NEW[0], k=1)
    (mine,) = Path(f"{db}.indexes").glob("*.idx")
    for foreign in (*Path(f"{other}.indexes").glob("*.idx"), *Path(f"{tmp_path / 'wide.db'}.indexes").glob("*.idx")):
        shutil.copy(foreign, mine)
        add("index identity", cases_tried=1)
        with _open(db) as store:
            assert store.stats().index_rebuilt is not None
            assert_right_answers(store, OLD, NEW)


def test_an_index_file_without_identity_is_rebuilt_once_then_trusted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Files written before identities existed are rebuilt once (with a warning); the rewritten one loads."""
    from agentmem.index.kinds import load_index

    db = tmp_path / "agent.db"
    _fill(db, OLD)
    (path,) = Path(f"{db}.indexes").glob("*.idx")
    index = load_index(path)
    index.identity = {}
    index.save(path)
    add("index identity", cases_tried=1)
    with _open(db) as store:
        assert store.stats().index_rebuilt is not None
    with _open(db) as store:
        assert store.stats().index_rebuilt is None
        assert_right_answers(store, OLD, NEW)
