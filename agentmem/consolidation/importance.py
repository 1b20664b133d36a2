"""How much a new memory matters, in [0, 1]: a transparent offline heuristic, or an LLM's poignancy rating.

Pure text in, numbers out. :class:`HeuristicImportance` is the default and needs nothing;
:class:`~agentmem.llm.importance.LLMImportance` asks any OpenAI-compatible server, as Generative Agents did; any
object with a ``score`` method plugs in (:class:`~agentmem.types.ImportanceScorer`). The
detail finders (:func:`detail_spans`, :func:`proper_names`) are shared with the extractive summarizer: what
importance counts as a detail is what a summary keeps.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

__all__ = ["HeuristicImportance", "HeuristicWeights", "detail_spans", "proper_names"]

logger = logging.getLogger(__name__)

_MONTHS = r"January|February|March|April|June|July|August|September|October|November|December"
_WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?"
# "May" and abbreviations are dates only next to a number: "May I ask", "Jan said".
_MONTH = rf"(?:{_MONTHS}|May|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)(?:\.(?=\s?\d))?)"
_DATE_WORD = re.compile(rf"{_MONTHS}|May|{_WEEKDAYS}")
_DETAIL = re.compile(
    rf"""(?<![\w$€£])(?:
        \d{{4}}-\d{{2}}-\d{{2}}                                           # 2023-05-07
      | \d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?   # 7 May 2023
      | {_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?            # May 7th, 2023
      | {_MONTH}\s+\d{{4}}                                               # May 2023
      | \d{{1,2}}(?::\d{{2}})?\s?(?i:[ap]m|[ap]\.m\.)(?!\w)                  # 9am, 8:30 p.m.
      | [$€£]\s?\d+(?:[,.]\d+)*(?:\s?(?i:k|bn|million|billion)\b)?      # $1,200
      | \d+(?:[,.]\d+)*\s?(?i:dollars|euros|pounds|bucks)\b             # 20 dollars
      | \d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?                                # 5/7/2023
      | \d{{1,2}}:\d{{2}}                                                 # 14:30
      | [A-Za-z]+-?\d+[A-Za-z]*                                         # B12, UA930, COVID-19
      | \d+(?:[,.]\d+)*(?:%|s|k|st|nd|rd|th)?                           # 42, 3.5, 20%, 1990s, 5th
      | {_MONTHS} | {_WEEKDAYS}
    )(?!\w)""",
    re.VERBOSE,
)
_RELATIVE_DATE = re.compile(
    r"\b(?:today|tonight|tomorrow|yesterday|(?:next|last|this) (?:week|weekend|month|year|morning|evening))\b", re.I
)
_DECISION = re.compile(
    r"\b(?:decid\w*|decision\w*|will|won't|'ll|must|promis\w*|deadline\w*|agree\w*|commit\w*|plan(?:s|ned)?"
    r"|going to|need to|have to|has to|schedul\w*|appointment\w*|booked|remind\w*|due)\b",
    re.I,
)
_PROBLEM = re.compile(
    r"\b(?:error\w*|fail\w*|exception\w*|crash\w*|bug\w*|broken|outage\w*|timeout\w*|timed out|traceback"
    r"|denied|refused|rejected|lost|missing|wrong|problem\w*|cannot|can't|couldn't|urgent\w*|emergenc\w*)\b",
    re.I,
)
# Life events and strong feelings: what the Generative Agents poignancy scale calls poignant.
_MILESTONE = re.compile(
    r"\b(?:marr\w*|wedding|engaged|divorc\w*|broke up|break ?up|died|death|funeral|passed away|born|birthday"
    r"|pregnan\w*|hospital\w*|diagnos\w*|cancer|accident\w*|surgery|accepted|admitted|graduat\w*|promot\w*"
    r"|fired|hired|new job|resign\w*|retir\w*|adopt\w*|won|award\w*|lov(?:e|ed|es)|hate[sd]?|afraid|scared"
    r"|griev\w*|grief|proud|excited)\b",
    re.I,
)
_SMALL_TALK_WORDS = (
    "ok okay k kk thanks thank you thx ty lol lmao haha hahaha hehe cool nice great awesome yes yeah yep yup no nope "
    "sure hi hello hey bye goodbye good morning night np welcome wow hmm oh ah alright fine right see ya cya got it"
)
_SMALL_TALK = frozenset(_SMALL_TALK_WORDS.split())
_WORD = re.compile(r"[^\W_][\w'\u2019-]*")
_CLAUSE_BREAK = re.compile(r"(?<=[.!?:;])\s+|\n+|[\"“”()]")
_NOT_NAMES = frozenset({"i", "i'm", "i'll", "i've", "i'd", "ok"})


def detail_spans(text: str) -> list[str]:
    """Numbers, dates, times, amounts of money and codes in ``text``, in order (``"7 May 2023"``, ``"$1,200"``)."""
    return [match.group().strip() for match in _DETAIL.finditer(text)]


def proper_names(text: str) -> list[str]:
    """Runs of capitalised words that do not start a sentence or clause (``"Los Angeles"``), in order.

    ``I``, month and weekday names are not names; a possessive ``'s`` is dropped (``"Alice's"`` → ``"Alice"``).
    """
    names: list[str] = []
    for clause in _CLAUSE_BREAK.split(text):
        run: list[str] = []
        for position, match in enumerate(_WORD.finditer(clause)):
            word = re.sub(r"['\u2019]s$", "", match.group())
            plain = not _DATE_WORD.fullmatch(word) and not any(c.isdigit() for c in word)
            if position > 0 and word[0].isupper() and word.lower() not in _NOT_NAMES and plain:
                run.append(word)
                continue
            if run:
                names.append(" ".join(run))
                run = []
        if run:
            names.append(" ".join(run))
    return names


@dataclass(frozen=True, slots=True)
class HeuristicWeights:
    """What each signal of :class:`HeuristicImportance` adds to the score at full strength."""

    novelty: float = 0.25
    decision: float = 0.20
    problem: float = 0.15
    milestone: float = 0.15
    details: float = 0.10
    names: float = 0.10
    length: float = 0.10
    question: float = 0.05
    chit_chat: float = -0.20


class HeuristicImportance:
    """The offline default: a weighted sum of transparent signals, clamped to [0, 1].

    Each signal has a strength in [0, 1], multiplied by its weight (:class:`HeuristicWeights`):

    ==========  ======  ==================================================================================
    signal      weight  strength
    ==========  ======  ==================================================================================
    novelty      0.25   1 - the highest similarity to a context memory (the larger of word-set and
                        character-trigram Jaccard); 1 without context
    decision     0.20   decisions and commitments ("decided", "will", "must", "deadline"...): 1 per 2 hits
    problem      0.15   errors and failures ("error", "failed", "crash"...): 1 per 2 hits
    milestone    0.15   life events and strong feelings ("married", "hospital", "promoted"...): 1 per 2 hits
    details      0.10   numbers, dates, times, money, "tomorrow"...: 1 per 2
    names        0.10   proper names (capitalised words not starting a sentence): 1 per 2
    length       0.10   (words - 3) / 12, so 15 words or more count fully
    question     0.05   1 if the text asks a question
    chit_chat   -0.20   1 if the text is only small talk ("ok", "thanks", "lol"...), at most 6 words
    ==========  ======  ==================================================================================

    :meth:`explain` returns every contribution; the score is their sum, clamped to [0, 1]. Within one
    :meth:`score` call, the 20 texts before each one count as context too, so a batch that repeats itself
    is not all novel.

    Args:
        weights: other weights than the defaults above.
    """

    batch_window = 20

    def __init__(self, *, weights: HeuristicWeights | None = None) -> None:
        self.weights = weights if weights is not None else HeuristicWeights()

    def score(self, texts: Sequence[str], *, context: Sequence[str] = ()) -> list[float]:
        """Return one importance in [0, 1] per text (see the class docstring)."""
        known = [_Shingles(c) for c in context]
        batch: list[_Shingles] = []
        scores = []
        for text in texts:
            shingles = _Shingles(text)
            contributions = self._contributions(text, shingles, [*known, *batch[-self.batch_window :]])
            scores.append(_clamp(sum(contributions.values())))
            batch.append(shingles)
        return scores

    def explain(self, text: str, context: Sequence[str] = ()) -> dict[str, float]:
        """Return what each signal adds to the score of ``text``; ``score`` is their sum clamped to [0, 1]."""
        return self._contributions(text, _Shingles(text), [_Shingles(c) for c in context])

    def _contributions(self, text: str, shingles: _Shingles, context: Sequence[_Shingles]) -> dict[str, float]:
        words = shingles.words
        strengths = {
            "novelty": 1.0 - max((shingles.similarity(c) for c in context), default=0.0),
            "decision": _saturate(len(_DECISION.findall(text))),
            "problem": _saturate(len(_PROBLEM.findall(text))),
            "milestone": _saturate(len(_MILESTONE.findall(text))),
            "details": _saturate(len(detail_spans(text)) + len(_RELATIVE_DATE.findall(text))),
            "names": _saturate(len(proper_names(text))),
            "length": min(1.0, max(0.0, (len(words) - 3) / 12)),
            "question": 1.0 if "?" in text else 0.0,
            "chit_chat": 1.0 if 0 < len(words) <= 6 and set(words) <= _SMALL_TALK else 0.0,
        }
        weights = asdict(self.weights)
        return {name: weights[name] * strength for name, strength in strengths.items()}

    def __repr__(self) -> str:
        return f"HeuristicImportance(weights={self.weights!r})"


class _Shingles:
    """A text's lower-cased words, word set and character trigrams, for Jaccard similarity."""

    __slots__ = ("trigrams", "word_set", "words")

    def __init__(self, text: str) -> None:
        self.words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(text)]
        self.word_set = frozenset(self.words)
        joined = " ".join(self.words)
        self.trigrams = frozenset(joined[i : i + 3] for i in range(max(len(joined) - 2, 0)))

    def similarity(self, other: _Shingles) -> float:
        return max(_jaccard(self.word_set, other.word_set), _jaccard(self.trigrams, other.trigrams))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _saturate(hits: int, full_at: int = 2) -> float:
    return min(1.0, hits / full_at)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))
