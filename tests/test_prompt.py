"""Prompt assembly: exact rendering, the budget promise, truncation of the best memory, de-duplication."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from agentmem.errors import ConfigError
from agentmem.text.prompt import TRUNCATION_MARKER, assemble, render_line
from agentmem.text.tokens import WhitespaceTokenizer, default_tokenizer, truncate_by_count
from agentmem.types import MemoryRecord, PromptMemory, ScoredMemory, Tokenizer

WHEN = datetime(2024, 5, 8, 13, 56, 41, tzinfo=timezone.utc)
WORDS = [
    "Alice",
    "likes",
    "orchids",
    "and",
    "unaffable",
    "café",
    "日本語",
    "🎉",
    "[…]",
    "-",
    "moving",
    "Lisbon",
]


def scored(i: int, text: str, *, kind: str = "observation", created_at: datetime = WHEN) -> ScoredMemory:
    memory = MemoryRecord(
        id=i,
        namespace="test",
        text=text,
        kind=kind,
        importance=0.5,
        created_at=created_at,
        last_accessed_at=created_at,
        access_count=0,
        status="active",
        metadata={},
        superseded_by=None,
        version=1,
    )
    return ScoredMemory(memory=memory, score=1.0 - i / 100, relevance=0.5, recency=0.5, importance=0.5)


def ids(result: PromptMemory) -> list[int]:
    return [sm.memory.id for sm in result.memories]


class CharBlocks:
    """Not additive: one token per started block of 4 characters, so line counts do not add up."""

    def count(self, text: str) -> int:
        return -(-len(text) // 4)

    def truncate(self, text: str, max_tokens: int) -> str:
        return truncate_by_count(text, max_tokens, count=self.count)


class QuadraticLines(WhitespaceTokenizer):
    """Super-additive: words plus the square of the line breaks, so lines counted apart under-count."""

    def count(self, text: str) -> int:
        return len(text.split()) + text.count("\n") ** 2


class LyingTruncate(WhitespaceTokenizer):
    """A plugged-in tokenizer whose truncate ignores the limit: the budget must hold anyway."""

    def truncate(self, text: str, max_tokens: int) -> str:
        return text


# --- rendering -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "created_at", "expected"),
    [
        (
            "Alice likes orchids",
            "observation",
            WHEN,
            "- [2024-05-08 13:56] (observation) Alice likes orchids",
        ),
        ("two\nlines\r\n  here", "plan", WHEN, "- [2024-05-08 13:56] (plan) two lines here"),
        (
            "in Lisbon",
            "reflection",
            datetime(2024, 5, 8, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            "- [2024-05-07 20:00] (reflection) in Lisbon",
        ),
        (
            "naive is UTC",
            "observation",
            datetime(2024, 1, 2, 3, 4, 59),
            "- [2024-01-02 03:04] (observation) naive is UTC",
        ),
        ("   ", "observation", WHEN, "- [2024-05-08 13:56] (observation)"),
        (
            "old",
            "observation",
            datetime(999, 1, 1, tzinfo=timezone.utc),
            "- [0999-01-01 00:00] (observation) old",
        ),
    ],
)
def test_render_line(text: str, kind: str, created_at: datetime, expected: str) -> None:
    assert render_line(scored(1, text, kind=kind, created_at=created_at).memory) == expected


def test_block_format_and_count() -> None:
    ranked = [scored(1, "Alice likes orchids"), scored(2, "Alice is moving to Lisbon", kind="plan")]
    result = assemble(ranked, token_budget=100, tokenizer=WhitespaceTokenizer())
    assert result.text == (
        "Relevant memories:\n"
        "- [2024-05-08 13:56] (observation) Alice likes orchids\n"
        "- [2024-05-08 13:56] (plan) Alice is moving to Lisbon"
    )
    assert result.tokens == 2 + 7 + 9
    assert result.memories == tuple(ranked)
    assert result.token_budget == 100
    assert result.truncated_ids == ()


def test_custom_and_empty_header() -> None:
    ranked = [scored(1, "Alice likes orchids")]
    result = assemble(ranked, token_budget=100, tokenizer=WhitespaceTokenizer(), header="")
    assert result.text == "- [2024-05-08 13:56] (observation) Alice likes orchids"
    result = assemble(ranked, token_budget=100, tokenizer=WhitespaceTokenizer(), header="## Memory")
    assert result.text.startswith("## Memory\n- [")


# --- the budget ----------------------------------------------------------------------------------------


def test_negative_budget_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="token_budget"):
        assemble([scored(1, "a")], token_budget=-1, tokenizer=WhitespaceTokenizer())


@pytest.mark.parametrize("budget", [0, 1])  # the header alone is 2 words
def test_no_room_for_the_header_gives_an_empty_block(budget: int) -> None:
    result = assemble([scored(1, "a")], token_budget=budget, tokenizer=WhitespaceTokenizer())
    assert result == PromptMemory(text="", memories=(), tokens=0, token_budget=budget)


def test_no_memories_gives_an_empty_block() -> None:
    assert assemble([], token_budget=50, tokenizer=WhitespaceTokenizer()).text == ""


def test_best_memory_is_truncated_rather_than_dropped() -> None:
    long_text = " ".join(f"w{i}" for i in range(100))
    ranked = [scored(7, long_text), scored(8, "short one")]
    # header 2 + prefix 4 ("-", "[2024-05-08", "13:56]", "(observation)") + marker 1 leaves 3 words of text.
    result = assemble(ranked, token_budget=10, tokenizer=WhitespaceTokenizer())
    assert result.text == "Relevant memories:\n- [2024-05-08 13:56] (observation) w0 w1 w2 […]"
    assert result.tokens == 10
    assert ids(result) == [7]
    assert result.truncated_ids == (7,)


def test_when_the_prefix_cannot_fit_the_best_memory_is_dropped_not_emptied() -> None:
    result = assemble([scored(1, "a b c d e f")], token_budget=7, tokenizer=WhitespaceTokenizer())
    assert result.text == ""  # 2 + 4 + marker leaves no word of text: a bare marker would say nothing
    assert result.tokens == 0


def test_a_later_memory_that_does_not_fit_is_skipped_and_a_shorter_one_taken() -> None:
    ranked = [
        scored(1, "one two"),
        scored(2, " ".join(["long"] * 30)),
        scored(3, "three words here"),
        scored(4, "and another four words"),
    ]
    # header 2 + line 1 (6) + line 3 (7) = 15; line 2 (34) and line 4 (8) do not fit in what is left.
    result = assemble(ranked, token_budget=15, tokenizer=WhitespaceTokenizer())
    assert ids(result) == [1, 3]
    assert result.tokens == 15
    assert result.truncated_ids == ()


def test_a_lying_truncate_cannot_break_the_budget() -> None:
    ranked = [scored(1, " ".join(["w"] * 50)), scored(2, "short")]
    result = assemble(ranked, token_budget=12, tokenizer=LyingTruncate())
    assert result.tokens <= 12
    assert result.tokens == LyingTruncate().count(result.text)
    assert ids(result) == [2]  # the best could not be cut, so the first that fits whole is taken


@pytest.mark.parametrize("tokenizer", [CharBlocks(), QuadraticLines()])
def test_counts_are_made_on_the_joined_text_for_non_additive_tokenizers(tokenizer: Tokenizer) -> None:
    ranked = [scored(i, "abcde " * (i % 3 + 1)) for i in range(1, 8)]
    for budget in range(0, 120):
        result = assemble(ranked, token_budget=budget, tokenizer=tokenizer)
        assert result.tokens == tokenizer.count(result.text) <= budget


def test_real_tokenizer_truncates_the_best_memory_to_the_exact_budget() -> None:
    tokenizer = default_tokenizer()
    story = "Alice told me her birthday is on 14 June and that she loves unaffable orchids. " * 20
    result = assemble([scored(3, story), scored(4, "short")], token_budget=40, tokenizer=tokenizer)
    assert result.truncated_ids == (3,)
    assert result.text.startswith("Relevant memories:\n- [2024-05-08 13:56] (observation) Alice told me")
    assert result.text.endswith(TRUNCATION_MARKER)
    assert result.tokens == tokenizer.count(result.text) == 40  # BERT word pieces add up: no token wasted


def test_real_tokenizer_sweep_over_budgets() -> None:
    tokenizer = default_tokenizer()
    ranked = [
        scored(0, "日本語のテキスト 🎉 " * 30, kind="reflection"),
        scored(1, "Alice is moving to Lisbon in June."),
        scored(2, "unaffable " * 200),
        scored(3, "café\n\tnaïve\u2028résumé"),
        scored(4, "Alice is moving to  Lisbon in June."),
    ]
    for budget in range(0, 260, 3):
        result = assemble(ranked, token_budget=budget, tokenizer=tokenizer)
        assert result.tokens == tokenizer.count(result.text) <= budget
        assert 4 not in ids(result)  # same text as 1 once whitespace is collapsed
        if budget >= 25:
            assert ids(result)[:1] == [0]


def test_when_line_counts_do_not_add_up_the_block_is_recounted_whole() -> None:
    ranked = [scored(1, "a"), scored(2, " ".join(["b"] * 10)), scored(3, "c")]
    # Lines of 5, 14 and 5 words. Added up, 1 and 2 fit in 23 (2 + 6 + 15); counted whole they take
    # 2 + 5 + 14 + 2**2 = 25. Recounting whole drops 2 and still takes 3: 2 + 5 + 5 + 4 = 16.
    result = assemble(ranked, token_budget=23, tokenizer=QuadraticLines())
    assert ids(result) == [1, 3]
    assert result.tokens == 16


# --- duplicates ----------------------------------------------------------------------------------------


def test_exact_duplicate_texts_are_skipped_whitespace_included() -> None:
    ranked = [scored(1, "Alice likes orchids"), scored(2, "Alice  likes\norchids"), scored(3, "Bob too")]
    assert ids(assemble(ranked, token_budget=100, tokenizer=WhitespaceTokenizer())) == [1, 3]


def test_near_duplicate_vectors_are_skipped() -> None:
    ranked = [scored(1, "Alice likes orchids"), scored(2, "Alice loves orchids"), scored(3, "Bob likes tea")]
    vectors = np.array([[1.0, 0.0, 0.0], [0.99, 0.05, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    result = assemble(ranked, token_budget=100, tokenizer=WhitespaceTokenizer(), vectors=vectors)
    assert ids(result) == [1, 3]
    looser = assemble(ranked, token_budget=100, tokenizer=WhitespaceTokenizer(), vectors=vectors, dedupe_threshold=1.0)
    assert ids(looser) == [1, 2, 3]
    assert ids(assemble(ranked, token_budget=100, tokenizer=WhitespaceTokenizer())) == [1, 2, 3]


def test_only_chosen_memories_shadow_their_near_duplicates() -> None:
    # Memory 1 does not fit; its near-duplicate 2 is short enough and is not shadowed by it.
    ranked = [scored(0, "first"), scored(1, " ".join(["w"] * 40)), scored(2, "short")]
    vectors = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    result = assemble(ranked, token_budget=20, tokenizer=WhitespaceTokenizer(), vectors=vectors)
    assert ids(result) == [0, 2]


def test_zero_vectors_are_nobodys_duplicate() -> None:
    ranked = [scored(1, "a"), scored(2, "b")]
    vectors = np.zeros((2, 4), dtype=np.float32)
    assert ids(assemble(ranked, token_budget=100, tokenizer=WhitespaceTokenizer(), vectors=vectors)) == [1, 2]


@pytest.mark.parametrize("shape", [(3, 4), (2,), (2, 4, 1)])
def test_vectors_must_have_one_row_per_memory(shape: tuple[int, ...]) -> None:
    with pytest.raises(ConfigError, match="vectors must have shape"):
        assemble(
            [scored(1, "a"), scored(2, "b")],
            token_budget=100,
            tokenizer=WhitespaceTokenizer(),
            vectors=np.ones(shape, dtype=np.float32),
        )


def test_non_finite_threshold_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="dedupe_threshold"):
        assemble([scored(1, "a")], token_budget=10, tokenizer=WhitespaceTokenizer(), dedupe_threshold=float("nan"))


# --- properties ----------------------------------------------------------------------------------------

TEXTS = st.one_of(
    st.text(min_size=1, max_size=120),  # any unicode, control characters and lone whitespace included
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(" ".join),
    st.lists(st.sampled_from(WORDS), min_size=100, max_size=800).map(" ".join),  # longer than most budgets
)
# Small budgets are where truncation and skipping happen: draw them as often as the whole range.
BUDGETS = st.one_of(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=500))
KINDS = st.sampled_from(["observation", "reflection", "plan", "a kind  with spaces"])
ZONES = st.sampled_from([None, timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])
HEADERS = st.sampled_from(["Relevant memories:", "", "## What you remember\n"])


@st.composite
def memories_and_vectors(draw: st.DrawFn) -> tuple[list[ScoredMemory], NDArray[np.float32]]:
    n = draw(st.integers(min_value=0, max_value=10))
    ranked = []
    rows: list[NDArray[np.float32]] = []
    for i in range(n):
        naive = draw(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)))
        zone = draw(ZONES)
        created = naive if zone is None else naive.replace(tzinfo=zone)
        ranked.append(scored(i, draw(TEXTS), kind=draw(KINDS), created_at=created))
        near_copy = draw(st.booleans())
        if rows and near_copy:
            # A near-copy of an earlier vector: it must never sit in the block beside its original.
            source = rows[draw(st.integers(min_value=0, max_value=len(rows) - 1))]
            rows.append((source + np.float32(0.01) * np.arange(4, dtype=np.float32)).astype(np.float32))
        else:
            seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
            rows.append(np.random.default_rng(seed).normal(size=4).astype(np.float32))
    return ranked, np.array(rows, dtype=np.float32).reshape(n, 4)


def unit_rows(vectors: NDArray[np.float32]) -> NDArray[np.float64]:
    rows = vectors.astype(np.float64)
    unit: NDArray[np.float64] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def check_invariants(
    ranked: list[ScoredMemory],
    vectors: NDArray[np.float32] | None,
    budget: int,
    header: str,
    tokenizer: Tokenizer,
    *,
    slack: int,
) -> None:
    result = assemble(ranked, token_budget=budget, tokenizer=tokenizer, vectors=vectors, header=header)
    assert result.tokens == tokenizer.count(result.text)
    assert result.tokens <= budget
    assert result.token_budget == budget
    assert (result.text == "") == (result.memories == ())

    positions = [sm.memory.id for sm in result.memories]  # ids are positions in ranked
    assert positions == sorted(set(positions))
    # Only the first memory taken may be cut.
    assert set(result.truncated_ids) <= set(positions[:1])

    if vectors is not None and len(positions) > 1:
        unit = unit_rows(vectors)
        sims = unit[positions] @ unit[positions].T
        np.fill_diagonal(sims, -1.0)
        assert sims.max() < 0.95
    texts = [" ".join(sm.memory.text.split()) for sm in result.memories]
    assert len(texts) == len(set(texts))

    if ranked:
        best = ranked[0].memory
        bare = dataclasses.replace(best, text="")
        smallest_line = render_line(bare) + TRUNCATION_MARKER
        needed = tokenizer.count(f"{header}\n{smallest_line}" if header else smallest_line)
        if budget >= needed + slack and tokenizer.count(header) <= budget:
            assert positions[:1] == [0]
            line = result.text.split("\n")[header.count("\n") + 1 if header else 0]
            assert line.startswith(render_line(bare))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(memories_and_vectors(), BUDGETS, HEADERS, st.booleans())
def test_properties_with_whitespace_tokenizer(
    data: tuple[list[ScoredMemory], NDArray[np.float32]], budget: int, header: str, use_vectors: bool
) -> None:
    ranked, vectors = data
    check_invariants(ranked, vectors if use_vectors else None, budget, header, WhitespaceTokenizer(), slack=1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(memories_and_vectors(), BUDGETS, HEADERS)
def test_properties_with_the_real_tokenizer(
    data: tuple[list[ScoredMemory], NDArray[np.float32]], budget: int, header: str
) -> None:
    ranked, vectors = data
    check_invariants(ranked, vectors, budget, header, default_tokenizer(), slack=1)


@settings(max_examples=100, deadline=None)
@given(memories_and_vectors(), BUDGETS)
def test_properties_with_non_additive_tokenizers(
    data: tuple[list[ScoredMemory], NDArray[np.float32]], budget: int
) -> None:
    ranked, vectors = data
    check_invariants(ranked, vectors, budget, "Relevant memories:", CharBlocks(), slack=2)
    check_invariants(ranked, vectors, budget, "Relevant memories:", QuadraticLines(), slack=1)


@settings(max_examples=200, deadline=None)
@given(memories_and_vectors())
def test_with_room_for_everything_only_duplicates_are_dropped(
    data: tuple[list[ScoredMemory], NDArray[np.float32]],
) -> None:
    ranked, vectors = data
    unit = unit_rows(vectors)
    expected: list[int] = []
    seen: set[str] = set()
    for i, sm in enumerate(ranked):
        text = " ".join(sm.memory.text.split())
        if text in seen or any(float(unit[i] @ unit[j]) >= 0.95 for j in expected):
            continue
        expected.append(i)
        seen.add(text)
    result = assemble(ranked, token_budget=100_000, tokenizer=WhitespaceTokenizer(), vectors=vectors)
    assert ids(result) == expected
    assert result.truncated_ids == ()


class _CharCounting:
    """A tokenizer that records how many characters it was handed (the work prompt assembly does)."""

    def __init__(self, inner: Tokenizer) -> None:
        self.inner = inner
        self.characters = 0

    def count(self, text: str) -> int:
        self.characters += len(text)
        return self.inner.count(text)

    def truncate(self, text: str, max_tokens: int) -> str:
        self.characters += len(text)
        return self.inner.truncate(text, max_tokens)


@pytest.mark.parametrize("huge_first", [True, False], ids=["huge-best", "huge-second"])
def test_a_megabyte_memory_is_not_tokenized_whole(huge_first: bool) -> None:
    """Issue 19, defect 13: a 1.6 MB memory made every recall tokenize its whole text several times."""
    huge = "the boiler manual says to bleed the radiators every autumn. " * 27_000  # 1.6 MB
    assert len(huge) > 1_600_000
    small = [scored(i, f"a short memory number {i}") for i in range(1, 6)]
    ranked = [scored(0, huge), *small] if huge_first else [small[0], scored(0, huge), *small[1:]]
    for inner in (WhitespaceTokenizer(), default_tokenizer()):
        tokenizer = _CharCounting(inner)
        result = assemble(ranked, token_budget=300, tokenizer=tokenizer)
        assert result.tokens <= 300
        assert 0 in ids(result) if huge_first else 0 not in ids(result)
        # A few windows of 32 characters per token of the budget, never the 1.6 MB text.
        assert tokenizer.characters < 40 * 32 * 300, tokenizer.characters
