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

4. and the subject is the same: the speaker ("I ...", "my score ...", "that's six times I've worn them"), or
   the same first content word ("Alice likes tea" / "Bob likes tea" are two people; "Alice lives" /
   "Alice's brother lives" too); a clause with no subject of its own ("having watched 15 videos") has the
   one before it; ordinals that differ ("the first game" / "the second game") are two instances, not a
   change, but the speaker's own ("my third issue" / "my fifth issue") are a count.

Rule 1 has a second way in, for long texts that say much else around one count: the same thing counted
(the words right after the number: "5-6 hours" / "10-12 hours", "three trips" / "five trips now") with
another number, when the two texts also share at least ``min_shared`` other words or names (what the
count is of: "my ocean sculpture", "Instagram"). A name both texts hold counts as an anchor of rule 1 too.

The table of hand-written pairs in ``tests/test_updates_detector.py`` shows the decisions;
``benchmarks/knowledge_updates.py`` measures them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from agentmem.consolidation.importance import proper_names
from agentmem.errors import ConfigError

__all__ = ["ValueChangeDetector", "sentence_values", "value_keywords"]

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
_COUNTED_ORDINALS = _numbered("zeroth first second third fourth fifth sixth seventh eighth ninth tenth")
_EXPLETIVES = _words("that's it's there's here's this that it there")
_DATES = _words(
    "january february march april may june july august september october november december jan feb mar apr jun "
    "jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday today tomorrow "
    "yesterday tonight morning afternoon evening noon midnight weekend"
)
_STATE_WORDS = _words(
    "open closed enabled disabled single married divorced engaged vegetarian vegan employed unemployed retired "
    "broken fixed active inactive cancelled canceled confirmed postponed"
)
_CHANGING = frozenset({"number", "date", "state"})
"""Value types a newer version of a fact changes; names stay in its keywords (what the value is of)."""
_SPEAKER = _words("i i'm i've i'd i'll we we're we've we'd")
_POSSESSIVE = _words("my our")
_OTHERS = _words("he she they he's she's they're")
_PEOPLE = _words(
    "mom mum mother dad father parent brother sister sibling son daughter kid child wife husband partner "
    "girlfriend boyfriend friend cousin aunt uncle grandma grandpa grandmother grandfather niece nephew boss "
    "manager colleague coworker neighbour neighbor roommate"
)
_STATIVE = _words(
    "is are am 's be will currently now still usually live lives living work works working use uses using own "
    "owns have has prefer prefers drive drives cost costs weigh weighs lead leads manage manages earn earns "
    "scheduled planned"
)
_CHANGE = _words(
    "now moved move moving changed change switched switch rescheduled postponed instead anymore longer "
    "updated upgraded replaced became become actually"
)
_STOPWORDS = _words(
    "a about after again all also am an and any are as at be been before being but by can could did do does "
    "doing for from had has have having he her here him his how i i'm i've i'd if in into is it it's its just me "
    "more my no not of on or our out over she so some than that the their them then there they this to too up us "
    "very was we were what when where which who why will with would you your yeah oh really by way since "
    "actually just still currently now got get been 've 's 'm 'd 'll named called that's there's here's what's"
)
# What a request to an assistant says around its facts ("I'm thinking of ...", "can you recommend ..."): two
# sentences that share only these share no subject matter.
_FILLER = _words(
    "think thinking thought plan planning consider considering look looking want wanted need needed try trying "
    "tried help recommend recommendation recommendations suggest suggestion suggestions know wonder wondering "
    "mean meaning sure great good love like thanks thank tip tips idea ideas check go going lot bit definitely "
    "probably maybe already lately recently pretty well make sound sounds awesome cool nice glad happy i'll "
    "i'm you're let's"
)


@dataclass(frozen=True, slots=True)
class _Sentence:
    context: frozenset[str]
    values: dict[str, frozenset[str]]  # type -> normalised values
    subject: str  # "speaker", "speaker:<noun>" (my noun), the first content word (its owner's, "x:y"), or ""
    stative: bool
    change: bool
    counts: dict[str, frozenset[str]]  # what is counted (a word after a number) -> its numbers


@dataclass(frozen=True, slots=True)
class _Text:
    speaker: str  # a conversation's "Name: " prefix, or ""
    sentences: list[_Sentence]
    topic: frozenset[str]  # every sentence's context words and names


@dataclass(frozen=True, slots=True)
class ValueChangeDetector:
    """The offline :class:`~agentmem.types.UpdateJudge`: the same subject and attribute, another value.

    Attributes:
        min_similarity: cosine at or above which a stored memory is compared at all. Low, because a long
            text that mentions its one changed count among other things is not close to the old text as a
            whole (LongMemEval's knowledge updates: a median cosine of 0.46, a quarter below 0.38).
        min_overlap: share of the smaller sentence's context words the two must have in common.
        min_shared: context words they must have in common at least.
        neighbours: most similar active memories compared with each new one (see ``min_similarity``).
    """

    min_similarity: float = 0.25
    min_overlap: float = 0.6
    min_shared: int = 2
    neighbours: int = 20

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_overlap <= 1.0 or not -1.0 <= self.min_similarity <= 1.0 or self.min_shared < 1:
            raise ConfigError("min_similarity in [-1, 1], min_overlap in [0, 1] and min_shared >= 1, please")
        if self.neighbours < 1:
            raise ConfigError(f"neighbours must be at least 1, not {self.neighbours}")

    def judge(self, pairs: Sequence[tuple[str, str, float]]) -> list[str | None]:
        read: dict[str, _Text] = {}  # a text is in many pairs: read it once

        def text(t: str) -> _Text:
            if t not in read:
                read[t] = _text(t)
            return read[t]

        return [
            self._between(text(new), text(old)) if cosine >= self.min_similarity else None for new, old, cosine in pairs
        ]

    def reason(self, new: str, old: str) -> str | None:
        """Why ``new`` updates ``old`` (``"value 4 → 5 (engineers lead team)"``), or None."""
        return self._between(_text(new), _text(old))

    def _between(self, news: _Text, olds: _Text) -> str | None:
        if news.speaker != olds.speaker:
            return None  # "I" of two people (a conversation's "Name: " lines)
        topic = news.topic & olds.topic
        for n in news.sentences:
            for o in olds.sentences:
                found = self._changed(n, o, topic)
                if found is not None:
                    return found
        return None

    def _changed(self, n: _Sentence, o: _Sentence, topic: frozenset[str]) -> str | None:
        if not _same_subject(n.subject, o.subject):
            return None
        shared = n.context & o.context
        names = n.values.get("name", frozenset()) & o.values.get("name", frozenset())
        counted = {
            u for u in n.counts.keys() & o.counts.keys() if n.counts[u] - o.counts[u] and o.counts[u] - n.counts[u]
        }
        smaller = min(len(n.context), len(o.context))
        if smaller and len(shared) / smaller >= self.min_overlap:
            other_names = any(
                w in topic for w in (n.values.get("name", frozenset()) | o.values.get("name", frozenset()))
            )
            anchors = len(shared) + len(names) + (not names and other_names)
            if anchors + (n.subject == o.subject and n.subject != "speaker") < self.min_shared:
                return None
        elif not counted or len(topic - counted - _units(n, o)) < self.min_shared:
            return None  # neither the same words nor the same thing counted in texts of one topic
        changed = [
            kind
            for kind in n.values.keys() & o.values.keys()
            if n.values[kind] - o.values[kind] and o.values[kind] - n.values[kind]
            if kind != "number" or _count_changed(n, o, counted)
        ]
        if _another_thing(n, o, changed):
            return None
        kind = sorted(changed, key=["number", "state", "name", "date"].index)[0]
        before = ", ".join(sorted(o.values[kind] - n.values[kind]))
        after = ", ".join(sorted(n.values[kind] - o.values[kind]))
        return f"{kind} {before} → {after} ({' '.join(sorted(shared)[:4])})"


def sentence_values(text: str) -> dict[str, frozenset[str]]:
    """The values of ``text`` by type (``number``, ``date``, ``name``, ``state``), normalised."""
    return _read(text).values


def value_keywords(text: str) -> str:
    """What a keyword search for an earlier version of a fact in ``text`` looks for: the words of its sentences
    that hold a value, without the values that may have changed (numbers, dates, states) and without stop
    words; names stay ("Converse", "Instagram": what the value is of). Empty when no sentence holds a value.

    A long text that mentions a changed count in passing ("By the way, I've worn them 6 times now") is near
    in meaning to what the rest of it says, not to the earlier mention: its words find that one.
    """
    keywords: dict[str, None] = {}
    for sentence in _sentences(_SPEAKER_PREFIX.sub("", text)):
        words = _classified(sentence)
        if all(kind in (None, "vocative") for _, kind, _ in words):
            continue  # no value in it
        for word, _, _ in words:
            # Judged alone: a date that opens a sentence ("Thursday, ...") reads as whom it is said to.
            if (
                word not in _STOPWORDS
                and word not in _FILLER
                and len(word) > 1
                and _value(word, set(), "")[0] not in _CHANGING
            ):
                keywords[word] = None
    return " ".join(keywords)


def _speaker(text: str) -> str:
    found = _SPEAKER_PREFIX.match(text)
    return "" if found is None else found.group().strip()


def _same_subject(a: str, b: str) -> bool:
    """The same subject: equal, or the speaker and something of the speaker's ("I ..." / "my score ...")."""
    if not a or not b:
        return False  # a subject not known is no evidence of the same one
    return a == b or ("speaker" in (a, b) and a.startswith("speaker") and b.startswith("speaker"))


def _subject(lower: list[str]) -> str:
    if not lower:
        return ""
    if lower[0] in _EXPLETIVES and any(w in _SPEAKER for w in lower):
        return "speaker"  # "that's six times now that I've worn them"
    if lower[0].endswith("ing") and len(lower[0]) > 4:  # "having watched 15 videos, I ..."
        pronoun = next((w for w in lower if w in _SPEAKER or w in _OTHERS), "")
        return "speaker" if pronoun in _SPEAKER else pronoun  # none: the subject of the sentence before
    if lower[0] in _SPEAKER or (
        lower[0] in ("and", "also", "so", "but", "now") and lower[1:2] and lower[1] in _SPEAKER
    ):
        return "speaker"
    content = [w for w in lower if w not in _STOPWORDS and w not in _CHANGE and w not in ("new", "old", "current")]
    head = content[0] if content else lower[0]
    if lower[0] in _POSSESSIVE:  # "my score" is the speaker's; "my brother" another person
        return _stem(head) if head.rstrip("s") in _PEOPLE else f"speaker:{_stem(head)}"
    if head.endswith("'s"):  # Bob's phone: Bob's, then what of his
        owner, rest = head[:-2], content[1:2]
        return f"{owner}:{_stem(rest[0])}" if rest else owner
    return _stem(head)


def _count_changed(n: _Sentence, o: _Sentence, counted: set[str]) -> bool:
    """Whether the numbers that differ count the same thing: when both sentences count something, it is a
    change only if something they both count changed ("3-4 day trips" / "a 3-day trip with a 50L pack": no)."""
    if n.counts.keys() & o.counts.keys():
        return bool(counted)
    return not (_all_counted(n) and _all_counted(o))  # "14 days" / "four seasons": two things counted


def _all_counted(s: _Sentence) -> bool:
    numbers = s.values.get("number", frozenset())
    return bool(numbers) and numbers <= frozenset().union(*s.counts.values())


def _another_thing(n: _Sentence, o: _Sentence, changed: list[str]) -> bool:
    """The values differ, but of another thing or event than the stored one's."""
    if not changed or "ordinal" in changed:
        return True  # nothing changed, or another instance ("the first game", "the second game")
    if "name" in changed and not (n.stative or n.change):
        return True  # another thing beside an old one ("I'm planning a trip to Aspen")
    if "name" in changed and len(changed) > 1 and not n.values["name"] & o.values["name"]:
        return True  # a value of something else ("$300 a night in Maui", "$30 a night in Tokyo")
    return "date" in changed and not (n.stative or n.change)  # another event on another day


def _units(n: _Sentence, o: _Sentence) -> frozenset[str]:
    return frozenset().union(*n.counts, *o.counts)


def _text(text: str) -> _Text:
    """Its sentences read in order; a sentence with no subject of its own has the one before it."""
    sentences: list[_Sentence] = []
    for part in _sentences(_SPEAKER_PREFIX.sub("", text)):
        read = _read(part)
        if not read.subject and sentences:
            read = replace(read, subject=sentences[-1].subject)
        sentences.append(read)
    topic = frozenset().union(*(s.context | s.values.get("name", frozenset()) for s in sentences))
    return _Text(_speaker(text), sentences, topic)


def _sentences(text: str) -> list[str]:
    """Its sentences and clauses, each without leading asides ("By the way, ", "Thanks, Mel, "): they name
    neither the subject nor a value, so an aside that starts with the speaker or holds a digit ("I got a
    new 50mm lens, which ...") is kept. Fragments of fewer than 3 words are left out."""
    found = []
    for sentence in _SENTENCE.split(text):
        for _ in range(3):
            aside = _LEADING_CLAUSE.match(sentence)
            if aside is None or _holds_subject_or_value(aside.group()):
                break
            stripped = sentence[aside.end() :]
            if len(stripped.split()) < 3:
                break
            sentence = stripped
        if sentence and len(sentence.split()) >= 3:
            found.append(sentence)
    return found


def _holds_subject_or_value(clause: str) -> bool:
    first = clause.split()[0].lower().translate(_APOSTROPHES).strip(",")
    return first in _SPEAKER or first in _POSSESSIVE or any(c.isdigit() for c in clause)


def _classified(sentence: str) -> list[tuple[str, str | None, str]]:
    """Each word of ``sentence``, lower-cased, with its type as a value (None: a context word; "vocative":
    whom it is said to, "Thanks, Mel!", not what it says) and its normal form (see :func:`_value`)."""
    lower = [w.lower() for w in _WORD.findall(sentence.translate(_APOSTROPHES))]
    vocatives = {(m.group(1) or m.group(2)).lower() for m in _VOCATIVE.finditer(sentence)}
    names = {n.lower() for n in proper_names(sentence) for n in n.split()} - vocatives
    return [
        (word, "vocative", word) if word in vocatives else (word, *_value(word, names, lower[i - 1] if i else ""))
        for i, word in enumerate(lower)
    ]


def _read(sentence: str) -> _Sentence:
    words = _classified(sentence)
    lower = [word for word, _, _ in words]
    values: dict[str, set[str]] = {}
    context: set[str] = set()
    for word, kind, value in words:
        if kind == "vocative":
            continue
        if kind is not None:
            values.setdefault(kind, set()).add(value)
        elif word not in _STOPWORDS and word not in _FILLER and len(word) > 1:
            context.add(_stem(value))
    kinds = _ordinal_counts([(kind, value) for _, kind, value in words], values)
    return _Sentence(
        context=frozenset(context),
        values={k: frozenset(v) for k, v in values.items()},
        subject=_subject(lower),
        stative=any(w in _STATIVE or w.endswith("'s") for w in lower),
        change=any(w in _CHANGE for w in lower),
        counts=_counts(kinds),
    )


def _ordinal_counts(kinds: list[tuple[str | None, str]], values: dict[str, set[str]]) -> list[tuple[str | None, str]]:
    """The speaker's ordinals ("my fifth issue") as numbers, unless the sentence holds a number of its own:
    then they tell instances apart ("10 points in my first game"), as other ordinals do."""
    ordinals = values.pop("count", set())
    if not ordinals:
        return kinds
    as_number = "number" not in values
    kind = "number" if as_number else "ordinal"
    read = {w: str(_COUNTED_ORDINALS[w]) if as_number else w for w in ordinals}
    values.setdefault(kind, set()).update(read.values())
    return [(kind, read[v]) if k == "count" else (k, v) for k, v in kinds]


def _counts(kinds: list[tuple[str | None, str]]) -> dict[str, frozenset[str]]:
    """What each number counts: the first content words after it, other values skipped ("15 Crash Course
    videos" counts videos; "5-6 hours" hours)."""
    counts: dict[str, set[str]] = {}
    for i, (kind, value) in enumerate(kinds):
        if kind != "number":
            continue
        units: list[str] = []
        for later, word in kinds[i + 1 : i + 6]:
            if later is not None and not units:
                continue
            if later is not None or word in _STOPWORDS or len(word) < 2 or len(units) == 3:
                break
            units.append(_stem(word))
        for unit in units:
            counts.setdefault(unit, set()).add(value)
    return {unit: frozenset(numbers) for unit, numbers in counts.items()}


def _value(word: str, names: set[str], before: str) -> tuple[str | None, str]:
    """The type and normal form of ``word`` as a value (``before`` is the word before it), or None and the
    word as a context word."""
    number = _NUMBER.match(word)
    if number is not None:
        unit = "" if number.group(2) in (None, "st", "nd", "rd", "th") else number.group(2)
        return ("date" if unit in ("am", "pm") or ":" in number.group(1) else "number"), number.group(1) + unit
    if word in _NUMBER_WORDS:
        return "number", str(_NUMBER_WORDS[word])
    if word in _COUNTED_ORDINALS and before in _POSSESSIVE:
        return "count", word  # "my fifth issue": the speaker's count, see _ordinal_counts
    if word == "single" and before == "a":
        return "number", "1"  # "a single night's stay"; "single" alone is a state
    if word in _ORDINALS:
        return "ordinal", word
    if word in _DATES:
        return "date", word
    if word in _STATE_WORDS:
        return "state", word
    if word in names:
        return "name", word
    return None, word[:-2] if word.endswith("'s") else word


def _stem(word: str) -> str:
    """A crude stem, the same for "issue" and "issues", "time" and "times" (a final e is dropped)."""
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word
