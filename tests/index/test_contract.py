"""One contract, run against every index kind; plus FAISS checked against the exact index.

The approximate kinds run it at sizes where they are exact (HNSW with efSearch 64 over at most ~1,000
vectors, IVF still untrained or with a single list); sq8 once trained stores vectors to ~1e-2, so vector
and score checks take its tolerance. test_kinds.py checks them where they approximate.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from numpy.typing import NDArray

from agentmem.errors import ConfigError
from agentmem.index.exact import ExactIndex
from agentmem.index.faiss import FaissIndex
from agentmem.index.hnsw import HnswIndex
from agentmem.index.ivf import IvfIndex
from agentmem.index.kinds import create_index, load_index
from agentmem.index.sq8 import Sq8Index
from agentmem.vectors import VectorIndex
from tests.index.vectors import D, unit

CLASSES: dict[str, type[object]] = {
    "exact": ExactIndex,
    "faiss": FaissIndex,
    "hnsw": HnswIndex,
    "ivf": IvfIndex,
    "sq8": Sq8Index,
}
# Every kind as create_index makes it, plus ivf and sq8 trained from 20 vectors on (ivf with one list
# below 78 vectors, so still exact; sq8 approximate).
FACTORIES: dict[str, Callable[[], VectorIndex]] = {
    **{kind: partial(create_index, kind, D) for kind in CLASSES},
    "ivf-trained": lambda: IvfIndex(D, min_train=20),
    "sq8-trained": lambda: Sq8Index(D, min_train=20),
}


def tolerance(index: VectorIndex) -> tuple[float, float]:
    """(vector, score) absolute tolerance: 0 and 1e-5, but sq8 only stores vectors to ~1e-2 once trained."""
    if isinstance(index, Sq8Index) and index.trained:
        return 1e-2, 2e-2
    return 0.0, 1e-5


def brute_force(vectors: NDArray[np.float32], ids: NDArray[np.int64], query: NDArray[np.float32]) -> NDArray[np.int64]:
    """Ids sorted by descending inner product, computed the slow obvious way."""
    scores = [float(np.dot(v.astype(np.float64), query.astype(np.float64))) for v in vectors]
    return np.array([ids[i] for i in sorted(range(len(ids)), key=lambda i: -scores[i])], dtype=np.int64)


@pytest.fixture(params=FACTORIES)
def index(request: pytest.FixtureRequest) -> VectorIndex:
    return FACTORIES[request.param]()


@pytest.fixture
def filled(index: VectorIndex) -> VectorIndex:
    """An index holding ids 100..149 with the vectors unit(50)."""
    index.upsert(np.arange(100, 150, dtype=np.int64), unit(50))
    return index


def test_a_new_index_is_empty(index: VectorIndex) -> None:
    assert isinstance(index, CLASSES[index.kind])
    assert isinstance(index, VectorIndex)
    assert (index.dimensions, len(index), index.version) == (D, 0, 0)
    assert index.ids().tolist() == []


def test_upsert_adds_and_each_vector_finds_itself(filled: VectorIndex) -> None:
    vectors, (vector_tolerance, score_tolerance) = unit(50), tolerance(filled)
    assert len(filled) == 50
    assert filled.ids().tolist() == list(range(100, 150))
    scores, ids = filled.search(vectors[[3, 40]], 1)
    assert ids.tolist() == [[103], [140]]
    np.testing.assert_allclose(scores, [[1.0], [1.0]], atol=score_tolerance)
    found = filled.vectors(np.array([140, 103]))
    np.testing.assert_allclose(found, vectors[[40, 3]], rtol=0, atol=vector_tolerance)


@pytest.mark.parametrize("size", [10, 1000])  # FAISS checks presence differently for small batches
def test_upsert_replaces_an_id_instead_of_duplicating_it(index: VectorIndex, size: int) -> None:
    old = unit(size)
    index.upsert(np.arange(size, dtype=np.int64), old)
    new = unit(1, seed=99)
    index.upsert(np.array([5], dtype=np.int64), new)
    vector_tolerance, score_tolerance = tolerance(index)
    assert len(index) == size
    assert np.count_nonzero(index.ids() == 5) == 1
    np.testing.assert_allclose(index.vectors(np.array([5]))[0], new[0], rtol=0, atol=vector_tolerance)
    scores, ids = index.search(new[0], 1)
    assert ids.tolist() == [[5]]
    np.testing.assert_allclose(scores, [[1.0]], atol=score_tolerance)
    scores, ids = index.search(old[5], size)
    assert ids.shape == (1, size) and np.count_nonzero(ids == 5) == 1
    assert sorted(ids[0].tolist()) == list(range(size))
    assert scores[0, ids[0].tolist().index(5)] == pytest.approx(float(old[5] @ new[0]), abs=score_tolerance)


def test_upsert_mixes_new_and_existing_ids(filled: VectorIndex) -> None:
    fresh = unit(2, seed=7)
    filled.upsert(np.array([149, 500], dtype=np.int64), fresh)
    assert len(filled) == 51
    found = filled.vectors(np.array([149, 500]))
    np.testing.assert_allclose(found, fresh, rtol=0, atol=tolerance(filled)[0])


def test_repeated_ids_in_one_upsert_are_refused_and_change_nothing(filled: VectorIndex) -> None:
    with pytest.raises(ConfigError, match="distinct"):
        filled.upsert(np.array([100, 7, 7], dtype=np.int64), unit(3, seed=3))
    assert len(filled) == 50
    np.testing.assert_allclose(filled.vectors(np.array([100])), unit(50)[:1], rtol=0, atol=tolerance(filled)[0])


def test_remove_counts_present_ids_and_ignores_unknown_ones(filled: VectorIndex) -> None:
    assert filled.remove(np.array([101, 120, 120, 999, -1], dtype=np.int64)) == 2
    assert len(filled) == 48
    assert 101 not in filled.ids() and 120 not in filled.ids()
    _, ids = filled.search(unit(50)[[1, 20]], 50)
    assert ids.shape == (2, 48)
    assert not np.isin(ids, [101, 120]).any()
    assert filled.remove(np.array([101, 999], dtype=np.int64)) == 0
    assert filled.remove(np.array([], dtype=np.int64)) == 0
    assert len(filled) == 48


def test_remove_everything_then_add_again(filled: VectorIndex) -> None:
    assert filled.remove(np.arange(100, 150, dtype=np.int64)) == 50
    assert len(filled) == 0
    filled.upsert(np.array([7], dtype=np.int64), unit(1, seed=5))
    assert filled.ids().tolist() == [7]
    assert filled.search(unit(1, seed=5), 3)[1].tolist() == [[7]]


def test_search_orders_by_descending_inner_product(filled: VectorIndex) -> None:
    vectors, ids = unit(50), np.arange(100, 150, dtype=np.int64)
    queries = unit(4, seed=42)
    scores, found = filled.search(queries, 10)
    assert scores.shape == found.shape == (4, 10)
    assert scores.dtype == np.float32 and found.dtype == np.int64
    score_tolerance = tolerance(filled)[1]
    for row, query in enumerate(queries):
        expected = brute_force(vectors, ids, query)[:10]
        true_scores = vectors[found[row] - 100] @ query
        np.testing.assert_allclose(scores[row], true_scores, atol=score_tolerance)
        assert (np.diff(scores[row]) <= 0).all()
        if score_tolerance > 1e-5:
            # Quantized scores may swap near-ties: each rank must still hold a vector as good, give or take.
            np.testing.assert_allclose(true_scores, vectors[expected - 100] @ query, atol=2 * score_tolerance)
        else:
            np.testing.assert_array_equal(found[row], expected)


def test_search_on_hand_made_vectors(index: VectorIndex) -> None:
    basis = np.eye(D, dtype=np.float32)
    index.upsert(np.array([1, 2, 3], dtype=np.int64), basis[[0, 1, 2]])
    query = np.zeros(D, dtype=np.float32)
    query[[0, 1, 2]] = [0.2, 0.9, 0.4]
    scores, ids = index.search(query, 3)
    assert ids.tolist() == [[2, 3, 1]]
    np.testing.assert_allclose(scores, [[0.9, 0.4, 0.2]], atol=tolerance(index)[1] / 10)


def test_a_single_query_may_be_one_dimensional(filled: VectorIndex) -> None:
    one_d = filled.search(unit(50)[7], 5)
    two_d = filled.search(unit(50)[7:8], 5)
    assert one_d[1].shape == (1, 5)
    np.testing.assert_array_equal(one_d[1], two_d[1])
    assert one_d[1][0, 0] == 107


def test_k_larger_than_the_index_returns_everything_without_padding(filled: VectorIndex) -> None:
    scores, ids = filled.search(unit(3, seed=1), 10_000)
    assert scores.shape == ids.shape == (3, 50)
    assert (ids >= 100).all()
    assert all(sorted(row) == list(range(100, 150)) for row in ids.tolist())


def test_searching_an_empty_index_returns_no_columns(index: VectorIndex) -> None:
    scores, ids = index.search(unit(3), 5)
    assert scores.shape == ids.shape == (3, 0)
    assert scores.dtype == np.float32 and ids.dtype == np.int64


def test_allowed_restricts_the_results(filled: VectorIndex) -> None:
    query = unit(50)[0]
    allowed = np.array([149, 130, 130, 110, 100, 12345], dtype=np.int64)
    scores, ids = filled.search(query, 10, allowed=allowed)
    assert ids.shape == (1, 4)
    expected = brute_force(unit(50)[[0, 10, 30, 49]], np.array([100, 110, 130, 149]), query)
    np.testing.assert_array_equal(ids[0], expected)
    assert ids[0, 0] == 100 and scores[0, 0] == pytest.approx(1.0, abs=tolerance(filled)[1])
    _, ids = filled.search(query, 2, allowed=allowed)
    np.testing.assert_array_equal(ids[0], expected[:2])


def test_allowed_with_no_present_id_returns_no_columns(filled: VectorIndex) -> None:
    for allowed in (np.array([], dtype=np.int64), np.array([1, 2], dtype=np.int64)):
        scores, ids = filled.search(unit(2), 5, allowed=allowed)
        assert scores.shape == ids.shape == (2, 0)


def test_vectors_of_an_absent_id_is_a_config_error(filled: VectorIndex) -> None:
    with pytest.raises(ConfigError, match="7"):
        filled.vectors(np.array([100, 7], dtype=np.int64))
    assert filled.vectors(np.array([], dtype=np.int64)).shape == (0, D)


@pytest.mark.parametrize("size", [10, 1000])  # FAISS checks presence differently for small batches
def test_absent_ids_are_told_apart_from_present_ones(index: VectorIndex, size: int) -> None:
    index.upsert(np.arange(size, dtype=np.int64), unit(size))
    assert index.remove(np.array([size + 1, -5], dtype=np.int64)) == 0
    assert len(index) == size
    with pytest.raises(ConfigError, match=str(size + 7)):
        index.vectors(np.array([3, size + 7], dtype=np.int64))
    assert index.remove(np.array([3, size + 1], dtype=np.int64)) == 1
    assert len(index) == size - 1


def test_memory_bytes_grows_with_the_vectors(index: VectorIndex) -> None:
    empty = index.memory_bytes()
    index.upsert(np.arange(1000, dtype=np.int64), unit(1000))
    full = index.memory_bytes()
    assert full >= empty + 1000 * D * 4
    index.remove(np.arange(990, dtype=np.int64))
    assert index.memory_bytes() < full / 4  # memory is given back, not kept for ever


def test_save_and_load_round_trip(filled: VectorIndex, tmp_path: Path) -> None:
    filled.remove(np.array([110], dtype=np.int64))
    filled.version = 7
    path = tmp_path / "ns.idx"
    filled.save(path)
    loaded = load_index(path)
    assert type(loaded) is type(filled)
    assert (loaded.kind, loaded.dimensions, loaded.version, len(loaded)) == (filled.kind, D, 7, 49)
    np.testing.assert_array_equal(loaded.ids(), filled.ids())
    assert (loaded.matrix() is None) == (filled.matrix() is None)
    queries = unit(5, seed=11)
    before, after = filled.search(queries, 10), loaded.search(queries, 10)
    np.testing.assert_array_equal(after[1], before[1])
    np.testing.assert_array_equal(after[0], before[0])
    loaded.upsert(np.array([110], dtype=np.int64), unit(50)[10:11])  # still a working index
    assert len(loaded) == 50


def test_save_and_load_an_empty_index(index: VectorIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "empty.idx")
    loaded = load_index(tmp_path / "empty.idx")
    assert (loaded.kind, len(loaded), loaded.version) == (index.kind, 0, 0)


BAD_CALLS: dict[str, Callable[[VectorIndex], object]] = {
    "vectors of the wrong width": lambda i: i.upsert(np.array([1]), unit(1, D + 1)),
    "1-D vectors": lambda i: i.upsert(np.array([1]), unit(1)[0]),
    "integer vectors": lambda i: i.upsert(np.array([1]), np.ones((1, D), dtype=np.int64)),
    "float ids": lambda i: i.upsert(np.array([1.0]), unit(1)),
    "2-D ids": lambda i: i.upsert(np.array([[1]]), unit(1)),
    "more ids than vectors": lambda i: i.upsert(np.array([1, 2]), unit(1)),
    "a negative id": lambda i: i.upsert(np.array([-1]), unit(1)),
    "a query of the wrong width": lambda i: i.search(unit(1, D - 1), 3),
    "a 3-D query": lambda i: i.search(unit(2).reshape(1, 2, D), 3),
    "k = 0": lambda i: i.search(unit(1), 0),
    "k < 0": lambda i: i.search(unit(1), -3),
    "float k": lambda i: i.search(unit(1), cast(Any, 2.0)),
    "2-D allowed": lambda i: i.search(unit(1), 3, allowed=np.array([[1]])),
    "float ids to remove": lambda i: i.remove(np.array([1.5])),
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_arguments_are_config_errors(filled: VectorIndex, call: Callable[[VectorIndex], object]) -> None:
    with pytest.raises(ConfigError):
        call(filled)
    assert len(filled) == 50


@pytest.mark.parametrize(("kind", "dimensions"), [("annoy", 8), ("", 8), ("faiss", 0), ("exact", -2), ("hnsw", 0)])
def test_create_index_refuses_unknown_kinds_and_bad_dimensions(kind: str, dimensions: int) -> None:
    with pytest.raises(ConfigError):
        create_index(kind, dimensions)


def test_faiss_and_exact_agree_on_the_same_history() -> None:
    dimensions, rng = 384, np.random.default_rng(2024)
    vectors = rng.standard_normal((2000, dimensions)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = rng.permutation(10_000)[:2000].astype(np.int64)
    faiss_index, exact_index = FaissIndex(dimensions), ExactIndex(dimensions)
    replaced = rng.standard_normal((100, dimensions)).astype(np.float32)
    replaced /= np.linalg.norm(replaced, axis=1, keepdims=True)
    for index in (faiss_index, exact_index):
        for batch in np.array_split(np.arange(2000), 7):
            index.upsert(ids[batch], vectors[batch])
        assert index.remove(ids[:150]) == 150
        index.upsert(ids[100:200], replaced)  # 50 come back, 50 are replaced in place
        assert index.remove(ids[300:305]) == 5
    assert len(faiss_index) == len(exact_index) == 2000 - 150 + 50 - 5
    np.testing.assert_array_equal(faiss_index.ids(), exact_index.ids())
    queries = rng.standard_normal((20, dimensions)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    faiss_scores, faiss_ids = faiss_index.search(queries, 10)
    exact_scores, exact_ids = exact_index.search(queries, 10)
    np.testing.assert_array_equal(faiss_ids, exact_ids)
    np.testing.assert_allclose(faiss_scores, exact_scores, atol=1e-5)
    allowed = ids[::3]
    np.testing.assert_array_equal(
        faiss_index.search(queries, 10, allowed=allowed)[1],
        exact_index.search(queries, 10, allowed=allowed)[1],
    )


def test_importing_the_index_package_does_not_import_faiss() -> None:
    code = (
        "import sys, agentmem.index.kinds\n"
        "agentmem.index.kinds.create_index('exact', 4)\n"
        "assert 'faiss' not in sys.modules, 'faiss was imported'\n"
        "agentmem.index.kinds.create_index('hnsw', 4)\n"
        "assert 'faiss' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


class IndexAgainstADict(RuleBasedStateMachine):
    """Random upsert/remove/search sequences checked against a dict and a brute-force search."""

    kind = "exact"

    def __init__(self) -> None:
        super().__init__()
        self.index = create_index(self.kind, D)
        self.model: dict[int, NDArray[np.float32]] = {}

    @rule(ids=st.sets(st.integers(0, 40), max_size=8), seed=st.integers(0, 1000))
    def upsert(self, ids: set[int], seed: int) -> None:
        id_array = np.array(sorted(ids), dtype=np.int64)
        # A vector per (seed, id): no two ids ever share a vector, so the expected order has no ties.
        vectors = np.array([unit(1, seed=seed * 1000 + i)[0] for i in sorted(ids)]).reshape(-1, D)
        self.index.upsert(id_array, vectors)
        self.model.update(zip(id_array.tolist(), vectors, strict=True))

    @rule(ids=st.lists(st.integers(-2, 45), max_size=8))
    def remove(self, ids: list[int]) -> None:
        expected = len(set(ids) & self.model.keys())
        assert self.index.remove(np.array(ids, dtype=np.int64)) == expected
        for key in ids:
            self.model.pop(key, None)

    @rule(
        k=st.integers(1, 50),
        allowed=st.none() | st.lists(st.integers(0, 45), max_size=10),
        seed=st.integers(),
    )
    def search(self, k: int, allowed: list[int] | None, seed: int) -> None:
        query = unit(1, seed=seed % 2**32)[0]
        candidates = sorted(self.model if allowed is None else set(allowed) & self.model.keys())
        vectors = np.array([self.model[i] for i in candidates], dtype=np.float32).reshape(-1, D)
        expected = brute_force(vectors, np.array(candidates, dtype=np.int64), query)[:k]
        given = None if allowed is None else np.array(allowed, dtype=np.int64)
        scores, ids = self.index.search(query, k, allowed=given)
        np.testing.assert_array_equal(ids[0], expected)
        np.testing.assert_allclose(scores[0], [float(self.model[i] @ query) for i in expected], atol=1e-5)

    @invariant()
    def same_ids(self) -> None:
        assert len(self.index) == len(self.model)
        assert self.index.ids().tolist() == sorted(self.model)


class FaissAgainstADict(IndexAgainstADict):
    kind = "faiss"


class HnswAgainstADict(IndexAgainstADict):
    """At most 41 live vectors, so efSearch 64 sees them all; tombstones come and go with rebuilds."""

    kind = "hnsw"


class TrainedIvfAgainstADict(IndexAgainstADict):
    """Trained from 8 vectors on, with one list (under 78 vectors): exact, through the IVF code paths."""

    kind = "ivf"

    def __init__(self) -> None:
        super().__init__()
        self.index = IvfIndex(D, min_train=8)


TestExactAgainstADict = IndexAgainstADict.TestCase
TestFaissAgainstADict = FaissAgainstADict.TestCase
TestHnswAgainstADict = HnswAgainstADict.TestCase
TestTrainedIvfAgainstADict = TrainedIvfAgainstADict.TestCase
for _case in (TestExactAgainstADict, TestFaissAgainstADict, TestHnswAgainstADict, TestTrainedIvfAgainstADict):
    _case.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
