"""Turning a group of related memories into one summary that can replace them: extractive, or by an LLM.

Pure text in, text out. :class:`ExtractiveSummarizer` is the default and needs nothing;
:class:`~agentmem.llm.summaries.LLMSummarizer` asks any OpenAI-compatible server. Any object with a
``summarize`` method plugs in (:class:`~agentmem.types.Summarizer`).
Both keep what a later question is most likely to ask about: names, numbers, dates, times and amounts.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from agentmem.consolidation.importance import detail_spans, proper_names
from agentmem.errors import ConfigError
from agentmem.text.tokens import WhitespaceTokenizer
from agentmem.types import Tokenizer

__all__ = ["ExtractiveSummarizer", "content_words", "mentions", "split_sentences", "split_speaker"]

logger = logging.getLogger(__name__)

_SPEAKER = re.compile(r"^\s*([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2}):\s+")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])|\s*\n+\s*")
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|e\.g|i\.e)\.$")
_WORD = re.compile(r"[^\W_][\w'-]*")
_STOPWORD_LIST = (
    "a about after again all also am an and any are as at be been before being but by can could did do does "
    "doing for from had has have having he her here him his how i i'm if in into is it it's its just me more "
    "my no not now of on or our out over she so some than that the their them then there they this to too "
    "up us very was we were what when where which who why will with would you your yeah oh really"
    # Reactions to what the other said: they state nothing a later question asks for.
    " wow awesome great amazing cool nice wonderful fantastic incredible thanks thank glad congrats"
    " congratulations sounds looks super totally lol haha hey hi hello yay"
)
_STOPWORDS = frozenset(_STOPWORD_LIST.split())
_SUFFIX = re.compile(r"(?:ing|ed|es|s|ly|er|or|ion)$")
_KEEP_WEIGHT = 0.5
"""How much holding names, numbers and dates counts against centrality when ranking sentences."""
_SUBSTANCE_WEIGHT = 0.2
"""How much having content words (8 or more count fully) counts, so that "Thanks Mel." ranks low."""
_LEAST_SHARE = 0.5
"""Sentences scoring less than this share of the best one are never kept ("Hey!", "How did it go?")."""


@dataclass(frozen=True, slots=True)
class _Sentence:
    position: int
    speaker: str | None
    text: str
    words: frozenset[str]
    terms: tuple[str, ...]
    salient: int


class ExtractiveSummarizer:
    """The offline default: the sentences that cover the group's content, in their original order, plus details.

    Each text is split into sentences; a text that starts with a speaker (``"Caroline: ..."``) lends the
    speaker to each of its sentences, and repeated sentences count once. Sentences are then chosen greedily
    for what they add (budgeted maximum coverage): each content word of the group not yet covered counts 1, each
    name, number, date, time or amount not yet covered counts 2 (speaker names, present everywhere, count
    nothing); the sentence adding the most is taken, ties going to the better-ranked one (centrality and
    substance, below) and then to the earlier one, until the chosen sentences cover ``coverage`` of that weight,
    or ``max_sentences`` are chosen, or nothing is left to add. Small talk ("Wow, thanks!") adds nothing once the
    topic's words are covered, so it is left out; a question about any detail of the group still finds it.

    A ``Details: ...`` clause then lists the group's names, numbers and dates the chosen sentences miss, so none
    is lost when the sources are archived. The result is deterministic.

    With ``max_tokens``, only sentences that fit together with the details clause are taken; if not even one
    does, the summary is the details clause alone (or the best sentence, when there are no details), cut to
    ``max_tokens``.

    ``coverage`` was chosen on LoCoMo (``python -m benchmarks.consolidation``): see docs/scoring.md.

    Args:
        tokenizer: counts tokens for ``max_tokens``; :class:`~agentmem.text.tokens.WhitespaceTokenizer` by default.
        max_sentences: the most source sentences in a summary (None: as many as ``coverage`` takes).
        coverage: share of the group's content weight the chosen sentences cover, in (0, 1].

    Raises:
        ConfigError: ``max_sentences`` is less than 1 or ``coverage`` is outside (0, 1].
    """

    def __init__(
        self, tokenizer: Tokenizer | None = None, max_sentences: int | None = None, coverage: float = 0.9
    ) -> None:
        if max_sentences is not None and max_sentences < 1:
            raise ConfigError(f"max_sentences must be >= 1 or None, got {max_sentences}")
        if not 0.0 < coverage <= 1.0:
            raise ConfigError(f"coverage must be in (0, 1], got {coverage}")
        self.tokenizer: Tokenizer = tokenizer if tokenizer is not None else WhitespaceTokenizer()
        self.max_sentences = max_sentences
        self.coverage = coverage

    def summarize(self, texts: Sequence[str], *, max_tokens: int | None = None) -> str:
        """Return the extractive summary of ``texts`` (see the class docstring).

        Raises:
            ConfigError: every text is blank, or ``max_tokens`` is negative.
        """
        if max_tokens is not None and max_tokens < 0:
            raise ConfigError(f"max_tokens must be >= 0, got {max_tokens}")
        sentences = _sentences(texts)
        if not sentences:
            raise ConfigError("there is nothing to summarize: every text is blank")
        terms = list(dict.fromkeys(t for s in sentences for t in s.terms))
        chosen: list[_Sentence] = []
        units = _units(sentences)
        total = sum(_weight(u) for u in set().union(*units)) or 1.0
        covered: set[str] = set()
        rank = {s.position: r for r, s in enumerate(_ranked(sentences, keep_all=True))}
        remaining = list(sentences)
        while remaining and (self.max_sentences is None or len(chosen) < self.max_sentences):
            if sum(_weight(u) for u in covered) >= self.coverage * total and chosen:
                break
            gains = [sum(_weight(u) for u in units[s.position] - covered) for s in remaining]
            best = max(range(len(remaining)), key=lambda i: (gains[i], -rank[remaining[i].position]))
            if gains[best] <= 0 and chosen:
                break
            sentence = remaining.pop(best)
            trial = sorted([*chosen, sentence], key=lambda s: s.position)
            if max_tokens is None or self.tokenizer.count(_render(trial, terms)) <= max_tokens:
                chosen = trial
                covered |= units[sentence.position]
        if not chosen:  # max_tokens is set and too small for any sentence with the details it misses
            assert max_tokens is not None
            squeezed = _render([], terms) or _render(_ranked(sentences)[:1], terms)
            return self.tokenizer.truncate(squeezed, max_tokens)
        return _render(chosen, terms)

    def __repr__(self) -> str:
        return f"ExtractiveSummarizer({self.tokenizer!r}, max_sentences={self.max_sentences}, coverage={self.coverage})"


def _sentences(texts: Sequence[str]) -> list[_Sentence]:
    found: list[_Sentence] = []
    seen: set[str] = set()
    for text in texts:
        speaker, body = split_speaker(text)
        for piece in split_sentences(body):
            key = " ".join(piece.lower().split())
            if key in seen:
                continue
            seen.add(key)
            words = content_words(piece)
            details = _unique(detail_spans(piece) + proper_names(piece))
            terms = _unique(([speaker] if speaker else []) + details)
            found.append(_Sentence(len(found), speaker, piece, words, tuple(terms), len(details)))
    return found


def split_sentences(text: str) -> list[str]:
    """``text`` cut into sentences (an abbreviation such as "Dr." ends none)."""
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        elif piece.strip():
            pieces.append(piece.strip())
    return pieces


def split_speaker(text: str) -> tuple[str | None, str]:
    """A text's speaker (``"Caroline: ..."``) and the rest; None and the whole text when it names none."""
    found = _SPEAKER.match(text)
    return (found.group(1), text[found.end() :]) if found else (None, text)


def content_words(sentence: str) -> frozenset[str]:
    """Lower-cased words without stopwords or numbers, crudely stemmed ("counselor", "counseling": "counsel")."""
    words = (m.lower().removesuffix("'s") for m in _WORD.findall(sentence))
    return frozenset(_SUFFIX.sub("", w) if len(w) > 5 else w for w in words if w not in _STOPWORDS and w.isalpha())


def mentions(text: str, term: str) -> bool:
    """Whether ``term`` is in ``text`` as whole words, ignoring case."""
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE) is not None


def _unique(terms: Sequence[str]) -> list[str]:
    """Terms in order, without repeats that differ only in case."""
    by_key: dict[str, str] = {}
    for term in terms:
        by_key.setdefault(term.lower(), term)
    return list(by_key.values())


def _units(sentences: Sequence[_Sentence]) -> list[frozenset[str]]:
    """What each sentence says, as coverable units: content words, and ``=``-marked details (names, numbers...).

    A speaker's name is said by the speaker prefix already, so it is not a unit.
    """
    speakers = {s.speaker.lower() for s in sentences if s.speaker}
    out = []
    for s in sentences:
        details = {f"={t.lower()}" for t in s.terms if t.lower() not in speakers}
        out.append(s.words | details)
    return out


def _weight(unit: str) -> float:
    return 2.0 if unit.startswith("=") else 1.0


def _ranked(sentences: Sequence[_Sentence], *, keep_all: bool = False) -> list[_Sentence]:
    """Sentences worth keeping, best first (earlier first on ties); see ExtractiveSummarizer."""
    document_frequency: Counter[str] = Counter()
    for sentence in sentences:
        document_frequency.update(sentence.words)
    others = max(len(sentences) - 1, 1)
    # Centrality: the mean, over a sentence's content words, of the share of the other sentences using the word
    # too (shared words are the topic), in [0, 1]. Counting at least 4 words keeps a short sentence ("How did it
    # go?") from winning on one shared word.
    centrality = [sum((document_frequency[w] - 1) / others for w in s.words) / max(len(s.words), 4) for s in sentences]
    best_salient = max(s.salient for s in sentences) or 1
    scores = [
        c + _KEEP_WEIGHT * s.salient / best_salient + _SUBSTANCE_WEIGHT * min(1.0, len(s.words) / 8)
        for c, s in zip(centrality, sentences, strict=True)
    ]
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    return [sentences[i] for i in order if keep_all or scores[i] >= _LEAST_SHARE * scores[order[0]]]


def _render(chosen: Sequence[_Sentence], terms: Sequence[str]) -> str:
    shown, speaker = [], None
    for sentence in chosen:  # the speaker is named again only when it changes
        named = sentence.speaker is not None and sentence.speaker != speaker
        shown.append(f"{sentence.speaker}: {sentence.text}" if named else sentence.text)
        speaker = sentence.speaker
    body = " ".join(shown)
    missing = [t for t in terms if not mentions(body, t)]
    if not missing:
        return body
    details = f"Details: {', '.join(missing)}."
    return f"{body} {details}" if body else details
