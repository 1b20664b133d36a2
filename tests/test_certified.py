"""The certified paths give the brute-force ranking: float16 screening of a flat index (exact by proof), and
the threshold test on approximate indexes (agreement measured), through deletes, filters and hybrid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from agentmem import HashingEmbedder, MemoryFilter, MemoryStore, NewMemory
from agentmem.config import DEFAULT_SCORING, Scoring
from agentmem.index.faiss import FaissIndex
from agentmem.index.half import HALF_COPY_MIN, HalfCopy
from agentmem.index.hnsw import HnswIndex
from agentmem.index.kinds import create_index
from agentmem.ranking.attributes import MemoryAttributes
from agentmem.ranking.certified import MAX_DATED_SHARE, certified_rank
from agentmem.ranking.paths import rank, rank_vectors
from agentmem.ranking.ranked import Ranked, Ranking
from agentmem.vectors import MemoryVectors, chunk_ids
from tests.index.vectors import clustered

NOW = datetime(2024, 7, 1, tzinfo=timezone.utc)
D = 48
N = HALF_COPY_MIN + 3_000


def _replica(n: int = N, seed: int = 3) -> tuple[NDArray[np.int64], NDArray[np.float32], MemoryAttributes]:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1, dtype=np.int64) * 2  # gaps, as deletes leave them
    vectors = clustered(n, D, seed=seed)
    last = NOW.timestamp() - rng.uniform(0, 182 * 86_400, n)
    importance = rng.uniform(0, 1, n).astype(np.float32)
    created = last - rng.uniform(0, 365 * 86_400, n)
    return ids, vectors, MemoryAttributes(ids, last, importance, created=created)


def _brute_force(
    ids: NDArray[np.int64],
    vectors: NDArray[np.float32],
    attributes: MemoryAttributes,
    query: NDArray[np.float32],
    ranking: Ranking,
    k: int = 10,
) -> Ranked:
    order = np.argsort(ids, kind="stable")
    ids, vectors = ids[order], vectors[order]
    rows = attributes.rows(ids)
    given = MemoryAttributes(
        ids, attributes.last_accessed[rows], attributes.importance[rows], created=attributes.created[rows]
    )
    return rank_vectors(ids, MemoryVectors.single(vectors), given, query, k=k, ranking=ranking)


def test_half_copy_error_bound_holds_for_every_row() -> None:
    rng = np.random.default_rng(0)
    vectors = clustered(5_000, D, seed=1)
    vectors[:50] *= 1e-6  # subnormal float16 components
    vectors[50:100] = rng.standard_normal((50, D)).astype(np.float32) * 3  # not unit-norm
    copy = HalfCopy(D)
    copy.add(vectors)
    for query in clustered(20, D, seed=2):
        scores, positions = copy.search(query, len(vectors))
        error = np.abs(scores - vectors[positions] @ query)
        assert error.max() <= copy.error_bound(query)
        assert error.max() > 0  # the copy really is float16


def test_screened_flat_index_gives_exactly_the_brute_force_top_k() -> None:
    ids, vectors, attributes = _replica()
    index = FaissIndex(D)
    index.upsert(ids, vectors)
    ranking = Ranking(scoring=DEFAULT_SCORING, now=NOW)
    for query in clustered(40, D, seed=9):
        got = certified_rank(index, attributes, query, k=10, ranking=ranking, allowed=None)
        assert got is not None and got.path == "exact"
        expected = _brute_force(ids, vectors, attributes, query, ranking)
        np.testing.assert_array_equal(got.ids, expected.ids)
        np.testing.assert_allclose(got.components.score, expected.components.score, rtol=1e-6)


def test_screening_stays_exact_after_deletes_replacements_and_hybrid_matches() -> None:
    ids, vectors, attributes = _replica()
    index = FaissIndex(D)
    index.upsert(ids, vectors)
    queries = clustered(20, D, seed=11)
    index.screen(queries[0], 10)  # build the float16 copy, so the changes below must keep it aligned
    rng = np.random.default_rng(4)
    gone = rng.choice(ids, size=2_000, replace=False)
    index.remove(gone)
    attributes.remove(gone)
    replaced = rng.choice(np.setdiff1d(ids, gone), size=300, replace=False)
    fresh = clustered(300, D, seed=12)
    index.upsert(replaced, fresh)  # same ids, new vectors: dropped and appended
    keep = ~np.isin(ids, gone)
    model = dict(zip(ids[keep].tolist(), vectors[keep], strict=True))
    model.update(zip(replaced.tolist(), fresh, strict=True))
    live = np.array(sorted(model), dtype=np.int64)
    live_vectors = np.stack([model[i] for i in live.tolist()])
    for j, query in enumerate(queries):
        # Lexical matches with strong scores, some deleted since (they must be ignored).
        matches = rng.choice(ids, size=30, replace=False)
        lexical = {int(i): float(s) for i, s in zip(matches, rng.uniform(0.5, 9, 30), strict=True)}
        ranking = Ranking(scoring=DEFAULT_SCORING, now=NOW, lexical=lexical if j % 2 else None, lexical_weight=0.3)
        got = certified_rank(index, attributes, query, k=10, ranking=ranking, allowed=None)
        assert got is not None
        expected = _brute_force(live, live_vectors, attributes, query, ranking)
        np.testing.assert_array_equal(got.ids, expected.ids)


def _chunked_replica(
    n: int = N // 2, seed: int = 21
) -> tuple[NDArray[np.int64], NDArray[np.int64], MemoryVectors, MemoryAttributes]:
    """Memories of 1 to 4 chunk vectors (2.5 on average), their chunk vector ids and vectors."""
    ids, _, plain = _replica(n, seed)
    counts = np.random.default_rng(seed).integers(1, 5, n).astype(np.int64)
    rows = clustered(int(counts.sum()), D, seed=seed + 1)
    attributes = MemoryAttributes(ids, plain.last_accessed, plain.importance, chunks=counts, created=plain.created)
    return ids, chunk_ids(ids, counts), MemoryVectors(rows, counts), attributes


@pytest.mark.parametrize("lexical", [False, True], ids=["dense", "hybrid"])
def test_chunked_memories_are_certified_exactly_on_a_screened_flat_index(lexical: bool) -> None:
    ids, vector_ids, vectors, attributes = _chunked_replica()
    assert attributes.chunked and len(vector_ids) >= HALF_COPY_MIN  # the float16 screen runs
    index = FaissIndex(D)
    index.upsert(vector_ids, vectors.rows)
    rng = np.random.default_rng(5)
    for query in clustered(30, D, seed=31):
        matches = rng.choice(ids, size=20, replace=False) if lexical else []
        ranking = Ranking(
            scoring=DEFAULT_SCORING,
            now=NOW,
            lexical={int(i): float(rng.uniform(0.5, 9)) for i in matches} or None,
            lexical_weight=0.3,
        )
        got = certified_rank(index, attributes, query, k=10, ranking=ranking, allowed=None)
        assert got is not None and got.path == "exact"
        expected = rank_vectors(ids, vectors, attributes, query, k=10, ranking=ranking)
        np.testing.assert_array_equal(got.ids, expected.ids)
        np.testing.assert_allclose(got.components.score, expected.components.score, rtol=1e-6)
        # The full aggregate pass, which the certified path replaces, ranks the same.
        np.testing.assert_array_equal(rank(index, attributes, query, k=10, ranking=ranking).ids, expected.ids)


def test_a_chunk_left_out_by_the_screen_still_counts_for_its_memory() -> None:
    ids, vector_ids, vectors, attributes = _chunked_replica(n=2_000)
    query = clustered(1, D, seed=41)[0]
    # Memory 0's first chunk points away from the query, its second is the query: its best chunk must count.
    first = int(vectors.starts[0])
    rows = vectors.rows.copy()
    assert vectors.counts[0] > 1
    rows[first] = -query
    rows[first + 1] = query
    chunked = MemoryVectors(rows, vectors.counts)
    index = FaissIndex(D)
    index.upsert(vector_ids, chunked.rows)
    ranking = Ranking(scoring=DEFAULT_SCORING, now=NOW)
    got = certified_rank(index, attributes, query, k=10, ranking=ranking, allowed=None)
    assert got is not None and got.ids[0] == ids[0]
    np.testing.assert_array_equal(got.ids, rank_vectors(ids, chunked, attributes, query, k=10, ranking=ranking).ids)


@pytest.mark.parametrize("kind", ["hnsw", "sq8", "ivf"])
def test_chunked_memories_on_approximate_indexes_agree_with_brute_force(kind: str) -> None:
    ids, vector_ids, vectors, attributes = _chunked_replica(n=5_000)  # 12,500 vectors: ivf trains
    index = create_index(kind, D)
    index.upsert(vector_ids, vectors.rows)
    ranking = Ranking(scoring=DEFAULT_SCORING, now=NOW, candidates=400)
    overlap = []
    for query in clustered(30, D, seed=8):
        got = rank(index, attributes, query, k=10, ranking=ranking)
        assert got.path == "scale" and len(got.ids) == 10
        expected = rank_vectors(ids, vectors, attributes, query, k=10, ranking=ranking)
        overlap.append(len(np.intersect1d(got.ids, expected.ids)) / 10)
    assert np.mean(overlap) >= 0.97


def _dated(attributes: MemoryAttributes, days: float) -> Ranking:
    """A query naming the ``days`` before the newest memory's creation, at time share 0.2."""
    end = float(attributes.created.max())
    return Ranking(scoring=DEFAULT_SCORING, now=NOW, spans=((end - days * 86_400, end + 1),), time_weight=0.2)


@pytest.mark.parametrize("days", [0.5, 3, 400])
def test_a_named_time_is_ranked_exactly_on_every_path(days: float) -> None:
    # Half a day holds a handful of memories, 3 days a few hundred, 400 days all of them: the first two are
    # certified with their dated memories as candidates, the last takes the full path.
    ids, vectors, attributes = _replica()
    index = FaissIndex(D)
    index.upsert(ids, vectors)
    ranking = _dated(attributes, days)
    dated = int(ranking.dated(attributes.created).sum())
    assert dated > 0 and (dated <= MAX_DATED_SHARE * len(attributes)) == (days < 400)
    moved = 0
    for query in clustered(12, D, seed=13):
        certified = certified_rank(index, attributes, query, k=10, ranking=ranking, allowed=None)
        assert (certified is not None) == (days < 400)
        got = rank(index, attributes, query, k=10, ranking=ranking)
        expected = _brute_force(ids, vectors, attributes, query, ranking)
        np.testing.assert_array_equal(got.ids, expected.ids)
        undated = rank(index, attributes, query, k=10, ranking=Ranking(scoring=DEFAULT_SCORING, now=NOW))
        moved += len(np.setdiff1d(got.ids, undated.ids))
    if days < 400:  # the boost brings memories of that time into the top 10
        assert moved > 0


def test_memories_of_a_named_time_join_the_scale_paths_candidates() -> None:
    ids, vectors, attributes = _replica(n=3_000)
    index = HnswIndex(D)
    index.upsert(ids, vectors)
    ranking = _dated(attributes, 2)
    for query in clustered(10, D, seed=14):
        got = rank(index, attributes, query, k=10, ranking=ranking)
        expected = _brute_force(ids, vectors, attributes, query, ranking)
        assert len(np.intersect1d(got.ids, expected.ids)) >= 9


def test_prior_heavy_scoring_and_filters_take_the_full_path() -> None:
    ids, vectors, attributes = _replica()
    index = FaissIndex(D)
    index.upsert(ids, vectors)
    query = clustered(1, D, seed=5)[0]
    heavy = Ranking(scoring=Scoring(relevance=0.1, recency=1.0, importance=1.0), now=NOW)
    assert certified_rank(index, attributes, query, k=10, ranking=heavy, allowed=None) is None
    np.testing.assert_array_equal(
        rank(index, attributes, query, k=10, ranking=heavy).ids,
        _brute_force(ids, vectors, attributes, query, heavy).ids,
    )
    plain = Ranking(scoring=DEFAULT_SCORING, now=NOW)
    allowed = ids[::7]
    assert certified_rank(index, attributes, query, k=10, ranking=plain, allowed=allowed) is None
    rows = np.isin(ids, allowed)
    np.testing.assert_array_equal(
        rank(index, attributes, query, k=10, ranking=plain, allowed=allowed).ids,
        _brute_force(ids[rows], vectors[rows], attributes, query, plain).ids,
    )


def test_small_flat_indexes_screen_with_a_float32_search_and_stay_exact() -> None:
    ids, vectors, attributes = _replica(n=2_000)
    index = FaissIndex(D)
    index.upsert(ids, vectors)
    ranking = Ranking(
        scoring=DEFAULT_SCORING, now=NOW, lexical={int(ids[5]): 3.0, int(ids[9]): 1.0}, lexical_weight=0.3
    )
    for query in clustered(20, D, seed=6):
        found, scores, beyond = index.screen(query, 100)
        np.testing.assert_allclose(scores, vectors[np.searchsorted(ids, found)] @ query, atol=1e-5)
        others = np.setdiff1d(ids, found)
        assert (vectors[np.searchsorted(ids, others)] @ query).max() <= beyond + 1e-6
        got = certified_rank(index, attributes, query, k=10, ranking=ranking, allowed=None)
        assert got is not None and got.path == "exact"
        np.testing.assert_array_equal(got.ids, _brute_force(ids, vectors, attributes, query, ranking).ids)
    everything = index.screen(clustered(1, D, seed=1)[0], 5_000)
    assert len(everything[0]) == 2_000 and everything[2] == -np.inf


@pytest.mark.parametrize("kind", ["hnsw", "sq8", "ivf"])
def test_threshold_test_on_approximate_indexes_agrees_with_brute_force(kind: str) -> None:
    ids, vectors, attributes = _replica(n=12_000)  # ivf trains from 10,000
    index = create_index(kind, D)
    index.upsert(ids, vectors)
    ranking = Ranking(scoring=DEFAULT_SCORING, now=NOW, candidates=400)
    overlap = []
    for query in clustered(30, D, seed=8):
        got = rank(index, attributes, query, k=10, ranking=ranking)
        assert got.path == "scale" and len(got.ids) == 10
        expected = _brute_force(ids, vectors, attributes, query, ranking)
        overlap.append(len(np.intersect1d(got.ids, expected.ids)) / 10)
    assert np.mean(overlap) >= 0.97


def test_uncertified_approximate_results_add_the_recency_and_importance_leaders() -> None:
    ids, vectors, attributes = _replica(n=3_000)
    index = HnswIndex(D)
    index.upsert(ids, vectors)
    # Importance dominates: the left-out bound is never beaten, so the fallback must find the leaders.
    ranking = Ranking(scoring=Scoring(relevance=0.01, recency=0.0, importance=1.0), now=NOW, candidates=50)
    query = clustered(1, D, seed=7)[0]
    got = rank(index, attributes, query, k=10, ranking=ranking)
    np.testing.assert_array_equal(got.ids, _brute_force(ids, vectors, attributes, query, ranking).ids)


class _TableEmbedder:
    """Memories ``m<i>`` and queries ``q<j>`` get fixed rows of clustered vectors (the tail of a text is free)."""

    model_id = "tests/table"
    dimensions = D

    def __init__(self, memories: NDArray[np.float32], queries: NDArray[np.float32]) -> None:
        self._memories, self._queries = memories, queries

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        table = {"m": self._memories, "q": self._queries}
        return np.stack([table[t[0]][int(t[1:].split()[0])] for t in texts])


def test_store_recall_on_a_screened_namespace_matches_brute_force(tmp_path: Path) -> None:
    n = HALF_COPY_MIN + 1_000
    vectors, queries = clustered(n, D, seed=21), clustered(12, D, seed=22)
    rng = np.random.default_rng(1)
    importance = rng.uniform(0, 1, n)
    created = [NOW - timedelta(seconds=float(s)) for s in rng.uniform(0, 182 * 86_400, n)]
    words = ["alpha", "bravo", "charlie", "delta"]
    items = [
        NewMemory(f"m{i} {words[i % 4]}", kind="note" if i % 3 else "fact", importance=float(importance[i]),
                  created_at=created[i])
        for i in range(n)
    ]  # fmt: skip
    with MemoryStore.open(tmp_path / "s.db", embedder=_TableEmbedder(vectors, queries), clock=lambda: NOW) as store:
        records = store.add_many(items)
        by_row = np.array([r.id for r in records], dtype=np.int64)
        store.forget(int(by_row[5]))
        alive = np.ones(n, dtype=bool)
        alive[5] = False
        scoring, config = DEFAULT_SCORING, store._db.recall
        ns = store._binding.row()
        assert ns is not None
        for j in range(len(queries)):
            hybrid = j % 2 == 1
            text = f"q{j} bravo" if hybrid else f"q{j}"
            fetched = {m.id: m for m in store.list_memories(limit=n + 10)}  # as ranked, before a touch
            got = store.retrieve(text, k=10, now=NOW, hybrid=hybrid, touch=j % 3 == 0)
            live = by_row[alive]
            last = np.array([fetched[int(i)].last_accessed_at.timestamp() for i in live])
            weights = np.array([fetched[int(i)].importance for i in live], dtype=np.float32)
            relevance = (vectors[alive] @ queries[j]).astype(np.float64)
            if hybrid:
                lexical = dict(store._db.repository.lexical(ns, text, limit=config.lexical_candidates,
                                                                include_archived=False))  # fmt: skip
                assert lexical
                bm25 = np.array([lexical.get(int(i), 0.0) for i in live]) / max(lexical.values())
                a = config.lexical_weight
                relevance = (1 - a) * relevance + a * bm25
            age = np.maximum(NOW.timestamp() - last, 0) / scoring.half_life.total_seconds()
            score = relevance + scoring.recency * 0.5**age + scoring.importance * weights
            expected = live[np.argsort(-score, kind="stable")[:10]]
            assert [m.memory.id for m in got] == expected.tolist()
        facts = store.retrieve("q3", k=10, now=NOW, where=MemoryFilter(kinds=("fact",)))
        assert facts and all(m.memory.kind == "fact" for m in facts)


@pytest.mark.parametrize("kind", ["faiss", "hnsw"])
def test_recall_ranks_again_when_another_process_wrote_since_its_replica_loaded(kind: str, tmp_path: Path) -> None:
    # Two stores over one file have separate replicas, as two processes do: recall ranks on its replica
    # first and must notice, from the version read with its results, that it is behind.
    path = tmp_path / "shared.db"
    with (
        MemoryStore.open(path, embedder=HashingEmbedder(64), index=kind, clock=lambda: NOW) as reader,
        MemoryStore.open(path, embedder=HashingEmbedder(64), index=kind, clock=lambda: NOW) as writer,
    ):
        writer.add_many([f"note {i} about the garden" for i in range(50)])
        target = writer.add("the invoice from the plumber is overdue")
        assert reader.retrieve("plumber invoice overdue", k=1)[0].memory.id == target.id  # replica loaded
        writer.forget(target.id)
        fresh = writer.add("the plumber sent an overdue invoice again")
        found = [m.memory.id for m in reader.retrieve("plumber invoice overdue", k=3, hybrid=False)]
        assert found[0] == fresh.id and target.id not in found


def test_the_attributes_peaks_follow_every_write_as_a_fresh_reduction_would() -> None:
    # The certified test's bound reads the latest access and the largest importance from a cache; every
    # touch, upsert and removal must leave it equal to a reduction over the columns.
    rng = np.random.default_rng(5)
    attributes = MemoryAttributes(
        np.arange(0, 200, 2), rng.uniform(0, 1e6, 100), rng.uniform(0, 0.9, 100).astype(np.float32)
    )
    for step in range(300):
        action = step % 4
        ids = rng.choice(300, size=int(rng.integers(1, 6)), replace=False).astype(np.int64)
        if action == 0:
            attributes.touch(ids, float(rng.uniform(0, 2e6)))
        elif action == 1:
            attributes.upsert(
                ids,
                rng.uniform(0, 2e6, ids.size),
                rng.uniform(0, 1, ids.size).astype(np.float32),
                chunks=rng.integers(1, 3, ids.size),
            )
        elif action == 2:
            attributes.remove(ids)
        if not len(attributes):
            continue
        assert attributes.peaks() == (float(attributes.last_accessed.max()), float(attributes.importance.max()))
        assert attributes.chunked == bool(int(attributes.chunks.max()) > 1)
