"""Token counting and cutting: the whitespace fake, the bundled word-piece tokenizer, the loop-down path."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentmem.errors import ConfigError
from agentmem.text.tokens import HuggingFaceTokenizer, WhitespaceTokenizer, default_tokenizer, truncate_by_count
from agentmem.types import Tokenizer

WORDS = ["memory", "Alice", "orchids", "unaffable", "café", "日本語", "🎉", "-", "[…]", "2024-05-08", "x"]
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(WORDS), max_size=300).map(" ".join),
)

# --- WhitespaceTokenizer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("   ", 0), ("one", 1), ("one two  three", 3), ("a\nb\tc", 3), ("naïve café 日本語", 3)],
)
def test_whitespace_count(text: str, expected: int) -> None:
    assert WhitespaceTokenizer().count(text) == expected


@pytest.mark.parametrize(
    ("text", "max_tokens", "expected"),
    [
        ("one two three", 2, "one two"),
        ("  one two", 1, "  one"),
        ("one two", 5, "one two"),
        ("one two ", 2, "one two "),
        ("one two", 0, ""),
        ("", 3, ""),
    ],
)
def test_whitespace_truncate(text: str, max_tokens: int, expected: str) -> None:
    assert WhitespaceTokenizer().truncate(text, max_tokens) == expected


@given(TEXTS, st.integers(min_value=0, max_value=400))
def test_whitespace_truncate_keeps_exactly_the_first_words(text: str, max_tokens: int) -> None:
    tokenizer = WhitespaceTokenizer()
    cut = tokenizer.truncate(text, max_tokens)
    assert text.startswith(cut)
    assert tokenizer.count(cut) == min(max_tokens, tokenizer.count(text))
    assert cut.split() == text.split()[:max_tokens]


def test_negative_max_tokens_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=">= 0"):
        WhitespaceTokenizer().truncate("a b", -1)
    with pytest.raises(ConfigError, match=">= 0"):
        default_tokenizer().truncate("a b", -1)
    with pytest.raises(ConfigError, match=">= 0"):
        truncate_by_count("a b", -1, count=len)


# --- HuggingFaceTokenizer (the bundled all-MiniLM-L6-v2 tokenizer.json) ---------------------------------


def test_default_tokenizer_is_one_cached_hugging_face_tokenizer() -> None:
    tokenizer = default_tokenizer()
    assert tokenizer is default_tokenizer()
    assert isinstance(tokenizer, HuggingFaceTokenizer)
    assert tokenizer.path.name == "tokenizer.json"
    assert tokenizer.path.is_file()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hi", 1),  # no [CLS]/[SEP], no padding to the model's length
        ("hello wonderful world", 3),
        ("unaffable", 3),  # una ##ffa ##ble
        ("Relevant memories:", 3),
        (" […]", 3),
        ("\x00 hi", 1),  # control characters are cleaned away
        ("word " * 1000, 1000),  # truncation is off: the model's 128/256 limit does not apply to counting
    ],
)
def test_hugging_face_count(text: str, expected: int) -> None:
    assert default_tokenizer().count(text) == expected


@pytest.mark.parametrize(
    ("text", "max_tokens", "expected"),
    [
        ("hello wonderful world", 2, "hello wonderful"),
        ("hello wonderful world", 3, "hello wonderful world"),
        ("hello wonderful world", 0, ""),
        ("unaffable playing", 1, "una"),  # cut at a word-piece offset, inside the word
        ("unaffable playing", 2, "unaffa"),
        ("  spaced   out  ", 1, "  spaced"),
    ],
)
def test_hugging_face_truncate_cuts_at_token_offsets(text: str, max_tokens: int, expected: str) -> None:
    assert default_tokenizer().truncate(text, max_tokens) == expected


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.integers(min_value=0, max_value=300))
def test_hugging_face_truncate_returns_a_fitting_prefix(text: str, max_tokens: int) -> None:
    tokenizer = default_tokenizer()
    cut = tokenizer.truncate(text, max_tokens)
    assert text.startswith(cut)
    assert tokenizer.count(cut) <= max_tokens
    if tokenizer.count(text) <= max_tokens:
        assert cut == text
    else:
        # Word pieces of BERT cut cleanly: the prefix keeps every token it is allowed.
        assert tokenizer.count(cut) == max_tokens


def test_truncate_loops_down_when_a_cut_tokenizes_differently(tmp_path: Path) -> None:
    """A byte-level BPE gives every byte of an emoji the same offsets: a cut after one keeps them all."""
    from tokenizers.implementations.byte_level_bpe import ByteLevelBPETokenizer

    trained = ByteLevelBPETokenizer()
    trained.train_from_iterator(iter(["party time " * 50]), vocab_size=300, min_frequency=1, show_progress=False)
    path = tmp_path / "tokenizer.json"
    trained.save(str(path))
    tokenizer = HuggingFaceTokenizer(path)

    text = "🎉 party"
    assert tokenizer.count("🎉") == 4  # four bytes, four tokens, one character: the naive cut would not fit
    for max_tokens in range(tokenizer.count(text) + 1):
        cut = tokenizer.truncate(text, max_tokens)
        assert text.startswith(cut)
        assert tokenizer.count(cut) <= max_tokens
    assert tokenizer.truncate(text, 2) == ""
    assert tokenizer.truncate(text, 4) == "🎉"


def test_missing_or_invalid_tokenizer_file_is_a_config_error(tmp_path: Path) -> None:
    missing = HuggingFaceTokenizer(tmp_path / "nope.json")  # lazy: nothing is read yet
    with pytest.raises(ConfigError, match="does not exist"):
        missing.count("hello")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match=r"not a valid tokenizer\.json"):
        HuggingFaceTokenizer(bad).truncate("hello", 1)


# --- truncate_by_count: any count function becomes a correct truncate ----------------------------------


class CharBlocks:
    """A tokenizer that is not additive: one token per started block of 4 characters."""

    def count(self, text: str) -> int:
        return -(-len(text) // 4)

    def truncate(self, text: str, max_tokens: int) -> str:
        return truncate_by_count(text, max_tokens, count=self.count)


@pytest.mark.parametrize("tokenizer", [WhitespaceTokenizer(), CharBlocks(), default_tokenizer()])
@settings(max_examples=60, deadline=None)
@given(text=TEXTS, max_tokens=st.integers(min_value=0, max_value=100))
def test_truncate_by_count_returns_a_fitting_prefix(tokenizer: Tokenizer, text: str, max_tokens: int) -> None:
    cut = truncate_by_count(text, max_tokens, count=tokenizer.count)
    assert text.startswith(cut)
    assert tokenizer.count(cut) <= max_tokens
    if tokenizer.count(text) <= max_tokens:
        assert cut == text


@pytest.mark.parametrize(
    ("text", "max_tokens", "expected"),
    [("abcdefghij", 2, "abcdefgh"), ("abcd efgh", 2, "abcd efg"), ("abc", 1, "abc"), ("abcde", 0, "")],
)
def test_truncate_by_count_exact(text: str, max_tokens: int, expected: str) -> None:
    assert CharBlocks().truncate(text, max_tokens) == expected


def test_implementations_satisfy_the_protocol() -> None:
    tokenizers: list[Tokenizer] = [WhitespaceTokenizer(), default_tokenizer(), CharBlocks()]
    assert all(t.count("a b") >= 1 for t in tokenizers)
