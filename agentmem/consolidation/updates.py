"""Offline detection of updates: a new text that restates a stored one with a changed value.

Pure: no I/O, no model. A pair (new, stored) is an update when, for some sentence of each,

1. they speak of the same thing: their content words other than values (stemmed, stopwords left out)
   overlap by at least ``min_overlap`` of the smaller sentence's, and at least ``min_shared`` are shared;
2. a value changed: a value (a number, a date or time, a name, a state word) of the stored sentence is
   missing from the new one, and the new one holds a value the stored one lacks — of the same type, so
   "4 engineers" → "5 engineers" or "Paris" → "Berlin", not "Paris" → "5";
3. and it is not a new event beside an old one: when only dates or times changed, the new sentence must
   speak of a state (present tense: "the meeting *is* on Thursday") or of a change ("moved", "now",
   "rescheduled"); "I ran 5 miles on Monday" and "I ran 3 miles on Tuesday" are two runs.

4. and the subject is the same: the speaker ("I ...", "my score ..."), or the same first content word
   ("Alice likes tea" / "Bob likes tea" are two people; "Alice lives" / "Alice's brother lives" too);
   ordinals that differ ("the first game" / "the second game") are two instances, not a change.

The table of hand-written pairs in ``tests/test_updates_detector.py`` shows the decisions;
``benchmarks/knowledge_updates.py`` measures them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agentmem.consolidation.importance import proper_names
from agentmem.errors import ConfigError

__all__ = ["ValueChangeDetector", "sentence_values"]

_SPEAKER_PREFIX = re.compile(r"^\s*[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2}:\s+")
_VOCATIVE = re.compile(r",\s+([A-Z][a-z]+)\s*(?=[!?.,]|$)|^([A-Z][a-z]+),\s")
_LEADING_CLAUSE = re.compile(r"^\s*(?:[^,;:.!?]{1,40}),\s+")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s*\n+\s*|,\s+(?:and|but|so)\s+")
_APOSTROPHES = str.maketrans({"\u2019": "'"})
_WORD = re.compile(r"[A-Za-z][\w'-]*|\d+(?:[.,:]\d+)*(?:st|nd|rd|th|am|pm|k|%)?|\$\d+(?:[.,]\d+)*")
_NUMBER = re.compile(r"\$?(\d+(?:[.,:]\d+)*)(st|nd|rd|th|am|pm|k|%)?$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _numbered(text: str) -> dict[str, int]:
    return {word: number for number, word in enumerate(text.split())}


_NUMBER_WORDS = _numbered(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty"
)
_ORDINALS = _words("first second third fourth fifth sixth seventh eighth ninth tenth last next previous")
_DATES = _words(
    "january february march april may june july august september october november december jan feb mar apr jun "
    "jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday today tomorrow "
    "yesterday tonight morning afternoon evening noon midnight weekend"
)
_STATE_WORDS = _words(
    "open closed enabled disabled single married divorced engaged vegetarian vegan employed unemployed retired "
    "broken fixed active inactive cancelled canceled confirmed postponed"
)
_SPEAKER = _words("i i'm i've i'd i'll we we're we've we'd")
_POSSESSIVE = _words("my our")
_STATIVE = _words(
    "is are am 's be will currently now still usually live lives living work works working use uses using own "
    "owns have has prefer prefers drive drives cost costs weigh weighs lead leads manage manages earn earns "
    "scheduled planned"
)
_CHANGE = _words(
    "now moved move moving changed change switched switch rescheduled postponed instead anymore longer new "
    "updated upgraded replaced became become actually"
)
_STOPWORDS = _words(
    "a about after again all also am an and any are as at be been before being but by can could did do does "
    "doing for from had has have having he her here him his how i i'm i've i'd if in into is it it's its just me "
    "more my no not of on or our out over she so some than that the their them then there they this to too up us "
    "very was we were what when where which who why will with would you your yeah oh really by way since "
    "actually just still currently now got get been 've 's 'm 'd 'll named called"
)


@dataclass(frozen=True, slots=True)
class _Sentence:
    context: frozenset[str]
    values: dict[str, frozenset[str]]  # type -> normalised values
    subject: str  # "speaker", "speaker:<noun>" (my noun), or the first content word (its owner's, "x:y")
    stative: bool
    change: bool


@dataclass(frozen=True, slots=True)
class ValueChangeDetector:
    """The offline :class:`~agentmem.types.UpdateJudge`: the same subject and attribute, another value.

    Attributes:
        min_similarity: cosine at or above which a stored memory is compared at all.
        min_overlap: share of the smaller sentence's context words the two must have in common.
        min_shared: context words they must have in common at least.
    """

    min_similarity: float = 0.45
    min_overlap: float = 0.6
    min_shared: int = 2

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_overlap <= 1.0 or not -1.0 <= self.min_similarity <= 1.0 or self.min_shared < 1:
            raise ConfigError("min_similarity in [-1, 1], min_overlap in [0, 1] and min_shared >= 1, please")

    def judge(self, pairs: Sequence[tuple[str, str, float]]) -> list[str | None]:
        return [self.reason(new, old) if cosine >= self.min_similarity else None for new, old, cosine in pairs]

    def reason(self, new: str, old: str) -> str | None:
        """Why ``new`` updates ``old`` (``"value 4 → 5 (engineers lead team)"``), or None."""
        speakers = {_speaker(new), _speaker(old)}
        if len(speakers) > 1:
            return None  # "I" of two people (a conversation's "Name: " lines)
        olds = [_read(s) for s in _sentences(_SPEAKER_PREFIX.sub("", old))]
        for n in (_read(s) for s in _sentences(_SPEAKER_PREFIX.sub("", new))):
            for o in olds:
                found = self._changed(n, o)
                if found is not None:
                    return found
        return None

    def _changed(self, n: _Sentence, o: _Sentence) -> str | None:
        if not _same_subject(n.subject, o.subject):
            return None
        shared = n.context & o.context
        smaller = min(len(n.context), len(o.context))
        if not smaller or len(shared) / smaller < self.min_overlap:
            return None
        anchors = len(shared) + len(n.values.get("name", frozenset()) & o.values.get("name", frozenset()))
        if anchors + (n.subject == o.subject and n.subject != "speaker") < self.min_shared:
            return None
        changed = [
            kind
            for kind in n.values.keys() & o.values.keys()
            if n.values[kind] - o.values[kind] and o.values[kind] - n.values[kind]
        ]
        if not changed or "ordinal" in changed:
            return None  # nothing changed, or another instance ("the first game", "the second game")
        if "date" in changed and not (n.stative or n.change):
            return None  # another event on another day
        kind = sorted(changed, key=["number", "state", "name", "date"].index)[0]
        before = ", ".join(sorted(o.values[kind] - n.values[kind]))
        after = ", ".join(sorted(n.values[kind] - o.values[kind]))
        return f"{kind} {before} → {after} ({' '.join(sorted(shared)[:4])})"


def sentence_values(text: str) -> dict[str, frozenset[str]]:
    """The values of ``text`` by type (``number``, ``date``, ``name``, ``state``), normalised."""
    return _read(text).values


def _speaker(text: str) -> str:
    found = _SPEAKER_PREFIX.match(text)
    return "" if found is None else found.group().strip()


def _same_subject(a: str, b: str) -> bool:
    """The same subject: equal, or the speaker and something of the speaker's ("I ..." / "my score ...")."""
    return a == b or ("speaker" in (a, b) and a.startswith("speaker") and b.startswith("speaker"))


def _subject(lower: list[str]) -> str:
    if not lower:
        return ""
    if lower[0] in _SPEAKER or (
        lower[0] in ("and", "also", "so", "but", "now") and lower[1:2] and lower[1] in _SPEAKER
    ):
        return "speaker"
    content = [w for w in lower if w not in _STOPWORDS and w not in _CHANGE]
    head = content[0] if content else lower[0]
    if lower[0] in _POSSESSIVE:
        return f"speaker:{_stem(head)}"
    if head.endswith("'s"):  # Bob's phone: Bob's, then what of his
        owner, rest = head[:-2], content[1:2]
        return f"{owner}:{_stem(rest[0])}" if rest else owner
    return _stem(head)


def _sentences(text: str) -> list[str]:
    """Its sentences and clauses, each without leading asides ("By the way, ", "Thanks, Mel, "): they name
    neither the subject nor a value. Fragments of fewer than 3 words are left out."""
    found = []
    for sentence in _SENTENCE.split(text):
        for _ in range(3):
            stripped = _LEADING_CLAUSE.sub("", sentence, count=1)
            if stripped == sentence or len(stripped.split()) < 3:
                break
            sentence = stripped
        if sentence and len(sentence.split()) >= 3:
            found.append(sentence)
    return found


def _read(sentence: str) -> _Sentence:
    words = _WORD.findall(sentence.translate(_APOSTROPHES))
    lower = [w.lower() for w in words]
    vocatives = {(m.group(1) or m.group(2)).lower() for m in _VOCATIVE.finditer(sentence)}
    names = {n.lower() for n in proper_names(sentence) for n in n.split()} - vocatives
    values: dict[str, set[str]] = {}
    context: set[str] = set()
    for word in lower:
        if word in vocatives:
            continue  # "Thanks, Mel!": whom it is said to, not what it says
        kind, value = _value(word, names)
        if kind is not None:
            values.setdefault(kind, set()).add(value)
        elif word not in _STOPWORDS and len(word) > 1:
            context.add(_stem(word[:-2] if word.endswith("'s") else word))
    return _Sentence(
        context=frozenset(context),
        values={k: frozenset(v) for k, v in values.items()},
        subject=_subject(lower),
        stative=any(w in _STATIVE or w.endswith("'s") for w in lower),
        change=any(w in _CHANGE for w in lower),
    )


def _value(word: str, names: set[str]) -> tuple[str | None, str]:
    number = _NUMBER.match(word)
    if number is not None:
        unit = "" if number.group(2) in (None, "st", "nd", "rd", "th") else number.group(2)
        return ("date" if unit in ("am", "pm") or ":" in number.group(1) else "number"), number.group(1) + unit
    if word in _NUMBER_WORDS:
        return "number", str(_NUMBER_WORDS[word])
    if word in _ORDINALS:
        return "ordinal", word
    if word in _DATES:
        return "date", word
    if word in _STATE_WORDS:
        return "state", word
    if word in names:
        return "name", word
    return None, word


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word
