"""Chunking long texts and the bookkeeping of chunked memories' vectors (pure, no model)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentmem import ConfigError
from agentmem.text.chunking import TextChunker, split_text
from agentmem.text.tokens import WhitespaceTokenizer, default_tokenizer
from agentmem.vectors import CHUNK_ID_STRIDE, MemoryVectors, best_per_memory, chunk_ids, owners

WORDS = WhitespaceTokenizer()


def sentences(n: int, words: int = 6) -> str:
    return " ".join(f"Sentence {i} says " + " ".join(f"w{i}x{j}" for j in range(words - 3)) + "." for i in range(n))


def test_a_text_that_fits_is_its_only_chunk_unchanged() -> None:
    text = "A short memory.\nWith two lines."
    assert split_text(text, tokenizer=WORDS, window=50, overlap=5) == [text]


def test_chunks_respect_the_window_cut_at_sentence_ends_and_cover_every_sentence() -> None:
    text = sentences(30)  # 6 words a sentence, 180 words
    chunks = split_text(text, tokenizer=WORDS, window=20, overlap=6)
    assert len(chunks) > 1
    assert all(WORDS.count(c) <= 20 for c in chunks)
    assert all(c in text and c.endswith(".") and c.startswith("Sentence") for c in chunks)
    for i in range(30):
        assert any(f"Sentence {i} says" in c for c in chunks), i


def test_consecutive_chunks_share_whole_sentences_up_to_the_overlap() -> None:
    chunks = split_text(sentences(12), tokenizer=WORDS, window=18, overlap=6)
    for first, second in itertools.pairwise(chunks):
        last_sentence = first.rsplit("Sentence", 1)[1]
        assert second.startswith("Sentence" + last_sentence)
    without = split_text(sentences(12), tokenizer=WORDS, window=18, overlap=0)
    assert sum(WORDS.count(c) for c in without) == 72 < sum(WORDS.count(c) for c in chunks)


def test_lines_are_boundaries_and_a_sentence_longer_than_the_window_is_cut_at_tokens() -> None:
    text = "speaker A: hello there\nspeaker B: " + " ".join(f"word{i}" for i in range(50))
    chunks = split_text(text, tokenizer=WORDS, window=10, overlap=0)
    assert chunks[0] == "speaker A: hello there"
    assert all(WORDS.count(c) <= 10 for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_real_word_pieces_bound_every_chunk() -> None:
    tokenizer = default_tokenizer()
    text = " ".join(f"On day {i} the committee discussed item number {i * 37} of the agenda." for i in range(80))
    chunks = TextChunker(tokenizer, 254, 32).split(text)
    assert tokenizer.count(text) > 600 and len(chunks) >= 3
    assert all(tokenizer.count(c) <= 254 for c in chunks)
    assert "item number 2923" in chunks[-1]


@pytest.mark.parametrize(("window", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_bad_windows_are_refused(window: int, overlap: int) -> None:
    with pytest.raises(ConfigError, match="window"):
        split_text("some text that is long enough to need cutting", tokenizer=WORDS, window=window, overlap=overlap)
    with pytest.raises(ConfigError):
        TextChunker(WORDS, window, overlap)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abc .!?\n", min_size=0, max_size=40), min_size=1, max_size=12),
    st.integers(1, 12),
    st.integers(0, 11),
)
def test_property_chunks_fit_are_substrings_and_keep_every_word(parts: list[str], window: int, overlap: int) -> None:
    text = " ".join(parts)
    overlap = min(overlap, window - 1)
    chunks = split_text(text, tokenizer=WORDS, window=window, overlap=overlap)
    assert chunks
    assert all(c in text for c in chunks)
    assert all(WORDS.count(c) <= window for c in chunks) or chunks == [text]
    seen = {w for c in chunks for w in c.split()}
    assert set(text.split()) <= seen


def test_chunk_ids_map_back_to_their_memory() -> None:
    ids = chunk_ids(np.array([5, 9, 12]), np.array([1, 3, 2]))
    stride = CHUNK_ID_STRIDE
    assert ids.tolist() == [5, 9, 9 + stride, 9 + 2 * stride, 12, 12 + stride]
    assert owners(ids).tolist() == [5, 9, 9, 9, 12, 12]
    assert chunk_ids(np.array([3, 4]), np.array([1, 1])).tolist() == [3, 4]
    with pytest.raises(ConfigError, match="2\\*\\*40"):
        chunk_ids(np.array([stride]), np.array([1]))


def test_best_per_memory_takes_each_memorys_best_chunk() -> None:
    ids = chunk_ids(np.array([7, 2]), np.array([3, 1]))
    memory_ids, best = best_per_memory(ids, np.array([0.1, 0.9, 0.3, 0.5]))
    assert memory_ids.tolist() == [2, 7]
    assert best.tolist() == [0.5, 0.9]


def test_memory_vectors_select_split_first_and_means() -> None:
    rows = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 3]]
    vectors = MemoryVectors(rows, np.array([1, 2, 2]))
    assert [v.shape[0] for v in vectors.split()] == [1, 2, 2]
    picked = vectors.select([2, 0])
    assert picked.counts.tolist() == [2, 1] and np.array_equal(picked.rows, rows[[3, 3, 0]])
    assert np.array_equal(vectors.select(np.array([False, True, False])).rows, rows[[1, 2]])
    assert np.array_equal(vectors.first(), rows[[0, 1, 3]])
    means = vectors.means()
    assert np.allclose(means[1], np.array([0, 1, 1, 0]) / np.sqrt(2)) and np.allclose(means[2], rows[3])
    assert np.allclose(np.linalg.norm(means, axis=1), 1.0)
    assert vectors.ids(np.array([4, 5, 6])).tolist() == [4, 5, 5 + CHUNK_ID_STRIDE, 6, 6 + CHUNK_ID_STRIDE]


def test_texts_the_model_reads_whole_are_never_cut_even_past_the_chunk_window() -> None:
    chunker = TextChunker(WORDS, 10, 2, whole_up_to=20)
    fits = sentences(2, words=7)  # 14 words: more than a chunk, less than the model reads
    assert chunker.split(fits) == [fits]
    longer = sentences(4, words=7)  # 28 words
    assert len(chunker.split(longer)) > 1 and all(WORDS.count(c) <= 10 for c in chunker.split(longer))


def test_the_default_chunking_of_the_bundled_model_halves_its_window() -> None:
    from agentmem import SentenceTransformerEmbedder
    from agentmem.config import Chunking
    from agentmem.store.embedding_cache import resolve_chunker

    chunker = resolve_chunker(Chunking(), SentenceTransformerEmbedder(), None)
    assert chunker is not None and (chunker.window, chunker.overlap, chunker.whole_up_to) == (127, 32, 254)
    assert resolve_chunker(Chunking(enabled=False), SentenceTransformerEmbedder(), None) is None
