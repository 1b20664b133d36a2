"""Scoring: exact values, the Generative Agents intuition, and candidate independence."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentmem.config import RecallConfig, Scoring
from agentmem.errors import ConfigError
from agentmem.ranking.scoring import explain, recency, score_arrays, top_k
from agentmem.types import MemoryRecord, ScoredMemory

NOW = datetime(2024, 5, 8, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def epochs(*ages: timedelta) -> np.ndarray:
    """Last-access times, as epoch seconds, that are ``ages`` before NOW."""
    return np.array([(NOW - age).timestamp() for age in ages], dtype=np.float64)


# --- Scoring -------------------------------------------------------------------------------------------


def test_scoring_defaults_are_the_stores() -> None:
    scoring = Scoring()
    assert (scoring.relevance, scoring.recency, scoring.importance) == (1.0, 0.02, 0.1)
    assert scoring.half_life == timedelta(days=180)
    assert RecallConfig().scoring == scoring
    assert scoring.normalize == "none"
    assert dataclasses.replace(scoring, recency=0.5).recency == 0.5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"relevance": -0.1}, "finite number >= 0"),
        ({"recency": math.nan}, "finite number >= 0"),
        ({"importance": math.inf}, "finite number >= 0"),
        ({"relevance": True}, "finite number >= 0"),
        ({"relevance": 0.0, "recency": 0.0, "importance": 0.0}, "must not all be 0"),
        ({"half_life": timedelta(0)}, "positive timedelta"),
        ({"half_life": -HOUR}, "positive timedelta"),
        ({"normalize": "zscore"}, "'none' or 'minmax'"),
    ],
)
def test_scoring_rejects_invalid_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Scoring(**changes)


def test_scoring_accepts_a_single_positive_weight() -> None:
    assert Scoring(relevance=0.0, recency=0.0, importance=2.0).importance == 2.0


# --- recency -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "half_life", "expected"),
    [
        (timedelta(0), HOUR, 1.0),
        (HOUR, HOUR, 0.5),
        (2 * HOUR, HOUR, 0.25),
        (3 * HOUR, HOUR, 0.125),
        (10 * DAY, DAY, 0.0009765625),  # 2 ** -10
        (60 * DAY, timedelta(days=30), 0.25),
        (-HOUR, HOUR, 1.0),  # a future timestamp counts as just accessed, never more
        (-365 * DAY, HOUR, 1.0),
    ],
)
def test_recency_exact_values(age: timedelta, half_life: timedelta, expected: float) -> None:
    assert recency(NOW - age, now=NOW, half_life=half_life) == expected


def test_recency_half_an_half_life_is_the_square_root_of_a_half() -> None:
    assert recency(NOW - timedelta(minutes=30), now=NOW, half_life=HOUR) == pytest.approx(math.sqrt(0.5), rel=1e-15)


@pytest.mark.parametrize("half_life", [timedelta(0), -HOUR])
def test_recency_rejects_a_non_positive_half_life(half_life: timedelta) -> None:
    with pytest.raises(ConfigError, match="positive"):
        recency(NOW, now=NOW, half_life=half_life)


def test_recency_rejects_mixing_naive_and_aware() -> None:
    with pytest.raises(ConfigError, match="timezone-aware"):
        recency(datetime(2024, 5, 8, 11, 0), now=NOW, half_life=HOUR)


# --- the combined score ---------------------------------------------------------------------------------

EXACT = Scoring(relevance=1.0, recency=0.5, importance=0.25, half_life=HOUR)


@pytest.mark.parametrize(
    ("relevance", "age", "importance", "expected"),
    [
        (1.0, None, 0.0, 1.0),
        (0.0, timedelta(0), 0.0, 0.5),
        (0.0, None, 1.0, 0.25),
        (0.5, HOUR, 1.0, 1.0),
        (-0.5, timedelta(0), 1.0, 0.25),
        (0.0, None, 0.0, 0.0),
    ],
)
def test_the_score_is_the_weighted_sum_of_its_components(
    relevance: float, age: timedelta | None, importance: float, expected: float
) -> None:
    # age None: accessed so long ago that recency is 0 in float64.
    accessed = epochs(age) if age is not None else np.array([0.0])
    result = score_arrays(np.array([relevance]), accessed, np.array([importance]), now=NOW, scoring=EXACT)
    assert result.score[0] == pytest.approx(expected, abs=1e-300)


# --- score_arrays --------------------------------------------------------------------------------------


def test_score_arrays_exact_values() -> None:
    both = Scoring(relevance=1.0, recency=1.0, importance=1.0, half_life=HOUR)
    result = score_arrays(
        np.array([0.25, 0.5, 0.0, 1.0]),
        epochs(timedelta(0), HOUR, 2 * HOUR, -HOUR),
        np.array([0.0, 0.25, 0.5, 0.125]),
        now=NOW,
        scoring=both,
    )
    np.testing.assert_array_equal(result.recency, [1.0, 0.5, 0.25, 1.0])
    np.testing.assert_array_equal(result.score, [1.25, 1.25, 0.75, 2.125])
    np.testing.assert_array_equal(result.relevance, [0.25, 0.5, 0.0, 1.0])
    np.testing.assert_array_equal(result.importance, [0.0, 0.25, 0.5, 0.125])
    assert result.score.dtype == np.float64


def test_score_arrays_agrees_with_the_scalar_functions() -> None:
    scoring = Scoring(relevance=1.0, recency=0.3, importance=0.7, half_life=timedelta(days=3))
    ages = [timedelta(minutes=7), 5 * DAY, 40 * DAY, timedelta(0)]
    rel, imp = [0.9, -0.2, 0.4, 0.0], [0.1, 0.8, 1.0, 0.0]
    result = score_arrays(np.array(rel), epochs(*ages), np.array(imp), now=NOW, scoring=scoring)
    for i, age in enumerate(ages):
        rec = recency(NOW - age, now=NOW, half_life=scoring.half_life)
        assert result.recency[i] == pytest.approx(rec, rel=1e-12)
        expected = scoring.relevance * rel[i] + scoring.recency * rec + scoring.importance * imp[i]
        assert result.score[i] == pytest.approx(expected, rel=1e-12)


def test_score_arrays_with_no_candidates() -> None:
    result = score_arrays(np.array([]), np.array([]), np.array([]), now=NOW, scoring=Scoring())
    assert result.score.shape == (0,)
    minmax = dataclasses.replace(Scoring(), normalize="minmax")
    assert score_arrays(np.array([]), np.array([]), np.array([]), now=NOW, scoring=minmax).score.shape == (0,)


@pytest.mark.parametrize(
    ("relevance", "accessed", "importance", "now", "message"),
    [
        ([0.1, 0.2], epochs(HOUR), [0.1, 0.2], NOW, "same length"),
        ([[0.1]], epochs(HOUR), [0.1], NOW, "1-D"),
        ([math.nan], epochs(HOUR), [0.1], NOW, "finite"),
        ([0.1], epochs(HOUR), [math.inf], NOW, "finite"),
        ([0.1], epochs(HOUR), [0.1], datetime(2024, 5, 8), "timezone-aware"),
    ],
)
def test_score_arrays_rejects_bad_input(
    relevance: Any, accessed: np.ndarray, importance: Any, now: datetime, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        score_arrays(relevance, accessed, importance, now=now, scoring=Scoring())


def test_score_arrays_reads_now_in_any_timezone_as_the_same_instant() -> None:
    elsewhere = NOW.astimezone(timezone(timedelta(hours=-7)))
    args = (np.array([0.3]), epochs(5 * HOUR), np.array([0.2]))
    np.testing.assert_array_equal(
        score_arrays(*args, now=elsewhere, scoring=Scoring()).score,
        score_arrays(*args, now=NOW, scoring=Scoring()).score,
    )


def test_generative_agents_scenario() -> None:
    """Importance rescues an old memory; recency breaks a tie in relevance; irrelevance stays low."""
    scoring = Scoring(relevance=1.0, recency=0.2, importance=0.5, half_life=timedelta(days=7))
    # Query: "What should I give Alice for her birthday?" Cosine similarities are set by hand.
    memories = {
        "alice_birthday_orchids (old, important)": (0.55, 60 * DAY, 0.9),
        "had a coffee with Alice (recent, trivial)": (0.50, HOUR, 0.05),
        "Alice mentioned her new flat (recent, relevant)": (0.60, DAY, 0.5),
        "Alice mentioned her old flat (old, equally relevant)": (0.60, 90 * DAY, 0.5),
        "server migration deadline (recent, important, unrelated)": (0.05, timedelta(minutes=1), 0.9),
    }
    names = list(memories)
    rel = np.array([memories[n][0] for n in names])
    accessed = epochs(*(memories[n][1] for n in names))
    imp = np.array([memories[n][2] for n in names])

    ranking = [names[i] for i in top_k(score_arrays(rel, accessed, imp, now=NOW, scoring=scoring).score, 5)]

    def rank(prefix: str) -> int:
        return next(i for i, name in enumerate(ranking) if name.startswith(prefix))

    assert rank("alice_birthday") < rank("had a coffee")
    assert rank("Alice mentioned her new flat") < rank("Alice mentioned her old flat")
    assert rank("server migration") == 4
    assert ranking[:2] == [names[2], names[0]]


def test_default_scores_do_not_depend_on_the_other_candidates() -> None:
    rng = np.random.default_rng(7)
    n = 200
    rel = rng.uniform(-1, 1, n)
    accessed = NOW.timestamp() - rng.uniform(0, 90 * 86400, n)
    imp = rng.uniform(0, 1, n)
    everyone = score_arrays(rel, accessed, imp, now=NOW, scoring=Scoring())
    for i in (0, 17, 199):
        alone = score_arrays(rel[i : i + 1], accessed[i : i + 1], imp[i : i + 1], now=NOW, scoring=Scoring())
        assert alone.score[0] == everyone.score[i]
    subset = rng.choice(n, 30, replace=False)
    some = score_arrays(rel[subset], accessed[subset], imp[subset], now=NOW, scoring=Scoring())
    np.testing.assert_array_equal(some.score, everyone.score[subset])


def test_minmax_differs_from_none_and_depends_on_the_candidates() -> None:
    minmax = Scoring(relevance=1.0, recency=1.0, importance=1.0, half_life=HOUR, normalize="minmax")
    rel = np.array([0.2, 0.4, 0.6])
    accessed = epochs(timedelta(0), HOUR, 2 * HOUR)  # recency 1, 0.5, 0.25
    imp = np.array([0.5, 0.5, 0.5])  # constant: becomes 0.5 for everyone
    result = score_arrays(rel, accessed, imp, now=NOW, scoring=minmax)
    np.testing.assert_allclose(result.relevance, [0.0, 0.5, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(result.recency, [1.0, 1 / 3, 0.0], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(result.importance, [0.5, 0.5, 0.5])
    np.testing.assert_allclose(result.score, [1.5, 4 / 3, 1.5], rtol=0, atol=1e-15)

    plain = score_arrays(rel, accessed, imp, now=NOW, scoring=dataclasses.replace(minmax, normalize="none"))
    assert not np.allclose(plain.score, result.score)

    # The same memory (index 1) scores differently depending on who else was fetched.
    pair = score_arrays(rel[1:], accessed[1:], imp[1:], now=NOW, scoring=minmax)
    assert pair.score[0] != result.score[1]
    alone = score_arrays(rel[1:2], accessed[1:2], imp[1:2], now=NOW, scoring=minmax)
    np.testing.assert_array_equal(alone.score, [1.5])


# --- top_k ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "k", "expected"),
    [
        ([0.1, 0.9, 0.5], 2, [1, 2]),
        ([0.1, 0.9, 0.5], 3, [1, 2, 0]),
        ([0.1, 0.9, 0.5], 10, [1, 2, 0]),
        ([1.0, 1.0, 1.0, 1.0], 2, [0, 1]),
        ([0.5, 1.0, 0.5, 1.0, 0.5], 3, [1, 3, 0]),
        ([0.5, 1.0, 0.5, 1.0, 0.5], 4, [1, 3, 0, 2]),
        ([3.0, math.nan, 2.0, 1.0], 4, [0, 2, 3, 1]),
        ([math.nan, 3.0, 2.0], 2, [1, 2]),
        ([-1.0, -2.0, -0.5], 1, [2]),
        ([0.3, 0.7], 0, []),
        ([], 3, []),
    ],
)
def test_top_k_exact(scores: list[float], k: int, expected: list[int]) -> None:
    result = top_k(np.array(scores, dtype=np.float64), k)
    assert result.dtype == np.intp
    assert result.tolist() == expected


def test_top_k_rejects_negative_k_and_2d_scores() -> None:
    with pytest.raises(ConfigError, match=">= 0"):
        top_k(np.array([1.0]), -1)
    with pytest.raises(ConfigError, match="1-D"):
        top_k(np.ones((2, 2)), 1)


@given(
    st.lists(st.integers(min_value=0, max_value=5), max_size=60),
    st.integers(min_value=0, max_value=70),
)
def test_top_k_matches_a_stable_full_sort(values: list[int], k: int) -> None:
    scores = np.array(values, dtype=np.float64) / 4  # few distinct values: many ties at the boundary
    expected = sorted(range(len(values)), key=lambda i: (-scores[i], i))[:k]
    assert top_k(scores, k).tolist() == expected


# --- explain -------------------------------------------------------------------------------------------


def _scored(score: float, relevance: float, recency_: float, importance: float) -> ScoredMemory:
    memory = MemoryRecord(
        id=1,
        namespace="test",
        text="Alice likes orchids",
        kind="observation",
        importance=importance,
        created_at=NOW,
        last_accessed_at=NOW,
        access_count=0,
        status="active",
        metadata={},
        superseded_by=None,
        version=1,
    )
    return ScoredMemory(memory=memory, score=score, relevance=relevance, recency=recency_, importance=importance)


def test_explain_one_line() -> None:
    line = explain(_scored(0.83, 0.71, 0.95, 0.30), Scoring())
    assert line == "score 0.83 = 1.00×relevance 0.71 + 0.02×recency 0.95 + 0.10×importance 0.30"  # noqa: RUF001


def test_explain_says_when_components_were_normalised() -> None:
    scoring = Scoring(relevance=3.0, recency=0.5, importance=2.0, normalize="minmax")
    line = explain(_scored(3.5, 1.0, 0.0, 0.25), scoring)
    expected = "score 3.50 = 3.00×relevance 1.00 + 0.50×recency 0.00 + 2.00×importance 0.25"  # noqa: RUF001
    assert line == f"{expected} (min-max over candidates)"
