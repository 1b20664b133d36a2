"""The spans of time a text names: dates, months, years and relative times such as "last week".

A query that names a time points at the memories made then: "what did Dave open in May 2023?" is about
what was stored in May 2023, and "what did we discuss yesterday?" about yesterday's memories. Recall reads
those times with :func:`time_spans` and boosts the memories created inside them. Each span is a half-open
interval ``[start, end)`` of whole calendar days, timezone-aware, with the words it was read from.

Recognised, case-insensitively except where noted:

- ISO dates ``2023-06-03`` (also the date of an ISO date-time) and ISO months ``2023-06``.
- Dates with a year: ``3 June 2023``, ``3 June, 2023``, ``3rd of June 2023``, ``03 Jun 2023``,
  ``June 3, 2023``, ``June 3rd 2023``, ``Jun 3 2023``; and months with a year: ``June 2023``, ``Jun, 2023``.
- Dates without a year (``June 3``, ``3 June``, ``3rd of June``): the latest such day on or before today.
- A month alone after ``in``, ``during``, ``early``, ``late`` or ``last`` ("in June"): the latest such
  month that has begun, or for ``last`` the latest that began before the current month. ``early`` and
  ``late`` mean the whole month.
- A year alone after ``in``, ``during`` or ``of`` ("in 2023"). Any other bare number is not a year
  ("2000 steps", "room 2023").
- ``today``, ``yesterday``, ``this``/``last`` ``week``/``month``/``year``, ``N days ago``, ``N weeks ago``
  (N in digits, ``one`` to ``ten``, or ``a``/``an``) and ``last weekend``. Weeks are calendar weeks from
  Monday: "last week" and "a week ago" are the week before the current one, "last weekend" its Saturday
  and Sunday.

Month names are written in full or as ``Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec``, optionally with
a trailing dot. The names that are also common English words (May, March and Mar, August) count only when
capitalised: "you may go" names no month. Years run from 1900 to 2099.

Calendar days, weeks, months and years are those of ``now``'s timezone, and dates are read in it too.
Impossible dates ("June 31") are skipped. Forms are tried at each word start, the more specific first
("June 3, 2023" before "June 3"); matches do not overlap, and a span named twice is returned once.

Pure: no I/O.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from agentmem.errors import ConfigError

__all__ = ["TimeSpan", "time_spans"]


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """A span of time a text names: [start, end), timezone-aware."""

    start: datetime
    end: datetime
    phrase: str  # the words of the text it was read from, as written


_Days = tuple[date, date]
"""A run of calendar days: the first day and the day after the last."""

_Resolve = Callable[[re.Match[str], date], _Days]
"""Reads a match as days, given today; raises ValueError (or OverflowError) for a date that does not exist."""

_FULL_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ABBREVIATIONS = {name[:3]: number for number, name in enumerate(_FULL_NAMES, 1) if name != "may"} | {"sept": 9}
_MONTHS = {name: number for number, name in enumerate(_FULL_NAMES, 1)} | _ABBREVIATIONS
_CAPITALISED_ONLY = frozenset({"may", "march", "mar", "august"})

_COUNTS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


def _month_word(name: str) -> str:
    # Under IGNORECASE, (?-i:M) still asks for the capital.
    return f"(?-i:{name[0].upper()}){name[1:]}" if name in _CAPITALISED_ONLY else name


_MONTH = (
    rf"(?P<month>(?:{'|'.join(map(_month_word, _FULL_NAMES))})\b"
    rf"|(?:{'|'.join(map(_month_word, _ABBREVIATIONS))})\b\.?)"
)
_YEAR_DIGITS = r"(?:19|20)\d\d"
_YEAR = rf"(?P<year>{_YEAR_DIGITS})"
_DAY = r"(?P<day>\d{1,2})"
_ORDINAL = r"(?:st|nd|rd|th)"
_SEP = r"(?:\s*,\s*|\s+)"  # between a date's parts: a comma or white space
_NUM_START = r"(?<!\d[.,:/-])"  # not the tail of 1.5, 12:30, 06/03, 1-3
_NUM_END = r"(?!\w|[.,:/-]\d)"
# What follows a month name when it is part of a date: "in June 3" and "in June 2023" are not June alone.
_DATE_FOLLOWS = rf"(?:\s+\d{{1,2}}{_ORDINAL}?{_NUM_END}|{_SEP}{_YEAR_DIGITS}{_NUM_END})"
_COUNT = rf"(?P<count>\d{{1,4}}|{'|'.join(_COUNTS)})"

# Where a form can start: a digit, a month name or one of the words that lead a form. Only these word
# starts are tried, so a long message costs one scan rather than every form at every word.
_LEADS = ("in", "during", "early", "late", "last", "of", "today", "yesterday", "this", *_COUNTS)
_STARTS = re.compile(
    rf"\b(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|(?:{'|'.join(_LEADS)})\b)", re.IGNORECASE
)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _month_number(text: str) -> int:
    return int(text) if text.isdigit() else _MONTHS[text.lower().rstrip(".")]


def _day(first: date) -> _Days:
    return first, first + timedelta(days=1)


def _month(year: int, month: int) -> _Days:
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)


def _year(year: int) -> _Days:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _period(unit: str, today: date, back: int) -> _Days:
    """The calendar day, week, month or year ``back`` of them before the one that holds ``today``."""
    if unit == "day":
        return _day(today - timedelta(days=back))
    if unit == "week":
        monday = today - timedelta(days=today.weekday() + 7 * back)
        return monday, monday + timedelta(days=7)
    if unit == "month":
        year, index = divmod(today.year * 12 + today.month - 1 - back, 12)
        return _month(year, index + 1)
    return _year(today.year - back)


def _recent_day(month: int, day: int, today: date) -> date:
    """The latest date on or before ``today`` with this month and day (a leap day recurs within 8 years)."""
    for year in range(today.year, today.year - 9, -1):
        if 1 <= day <= monthrange(year, month)[1] and date(year, month, day) <= today:
            return date(year, month, day)
    raise ValueError(f"no day {day} in month {month}")


def _on_date(match: re.Match[str], today: date) -> _Days:
    return _day(date(int(match["year"]), _month_number(match["month"]), int(match["day"])))


def _in_month(match: re.Match[str], today: date) -> _Days:
    return _month(int(match["year"]), _month_number(match["month"]))


def _on_recent_day(match: re.Match[str], today: date) -> _Days:
    return _day(_recent_day(_month_number(match["month"]), int(match["day"]), today))


def _in_recent_month(match: re.Match[str], today: date) -> _Days:
    month = _month_number(match["month"])
    before_this_one = match["lead"].lower() == "last"
    years_back = month > today.month or (before_this_one and month == today.month)
    return _month(today.year - years_back, month)


def _in_year(match: re.Match[str], today: date) -> _Days:
    return _year(int(match["year"]))


def _named_day(match: re.Match[str], today: date) -> _Days:
    return _period("day", today, 0 if match["word"].lower() == "today" else 1)


def _this_or_last(match: re.Match[str], today: date) -> _Days:
    return _period(match["unit"].lower(), today, 0 if match["which"].lower() == "this" else 1)


def _last_weekend(match: re.Match[str], today: date) -> _Days:
    monday, _ = _period("week", today, 1)
    return monday + timedelta(days=5), monday + timedelta(days=7)


def _ago(match: re.Match[str], today: date) -> _Days:
    count = match["count"].lower()
    return _period(match["unit"].lower(), today, int(count) if count.isdigit() else _COUNTS[count])


# Tried in this order at each word start: the first that matches is the reading there.
_FORMS: tuple[tuple[re.Pattern[str], _Resolve], ...] = (
    (_compile(rf"{_NUM_START}{_YEAR}-(?P<month>\d\d)-(?P<day>\d\d)(?:(?=T\d)|{_NUM_END})"), _on_date),
    (_compile(rf"{_NUM_START}{_YEAR}-(?P<month>\d\d){_NUM_END}"), _in_month),
    (_compile(rf"{_NUM_START}{_DAY}(?:{_ORDINAL}(?:\s+of)?)?\s+{_MONTH}{_SEP}{_YEAR}{_NUM_END}"), _on_date),
    (_compile(rf"{_MONTH}\s+{_DAY}{_ORDINAL}?{_SEP}{_YEAR}{_NUM_END}"), _on_date),
    (_compile(rf"{_MONTH}{_SEP}{_YEAR}{_NUM_END}"), _in_month),
    (_compile(rf"{_NUM_START}{_DAY}(?:{_ORDINAL}(?:\s+of)?)?\s+{_MONTH}"), _on_recent_day),
    (_compile(rf"{_MONTH}\s+{_DAY}{_ORDINAL}?{_NUM_END}"), _on_recent_day),
    (_compile(rf"(?P<lead>in|during|early|late|last)\s+{_MONTH}(?!{_DATE_FOLLOWS})"), _in_recent_month),
    (_compile(rf"(?:in|during|of)\s+{_YEAR}{_NUM_END}"), _in_year),
    (_compile(r"(?P<word>today|yesterday)\b"), _named_day),
    (_compile(r"(?P<which>this|last)\s+(?P<unit>week|month|year)\b"), _this_or_last),
    (_compile(r"last\s+weekend\b"), _last_weekend),
    (_compile(rf"{_NUM_START}{_COUNT}\s+(?P<unit>day|week)s?\s+ago\b"), _ago),
)


def time_spans(text: str, *, now: datetime) -> tuple[TimeSpan, ...]:
    """Read the spans of time ``text`` names, relative to ``now``.

    Args:
        text: a query or any other text.
        now: the current time, timezone-aware; its timezone sets the calendar days, weeks, months and
            years, and the time of the dates read.

    Returns:
        The spans in the order the text names them, each once.

    Raises:
        ConfigError: ``now`` is naive.
    """
    zone = _zone(now)
    spans: dict[_Days, str] = {}
    for days, phrase in _readings(text, now.date()):
        spans.setdefault(days, phrase)
    return tuple(
        TimeSpan(_midnight(first, zone), _midnight(stop, zone), phrase) for (first, stop), phrase in spans.items()
    )


def _zone(now: datetime) -> tzinfo:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ConfigError(f"now must be timezone-aware, e.g. datetime.now(timezone.utc), not {now!r}")
    return now.tzinfo


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _readings(text: str, today: date) -> Iterator[tuple[_Days, str]]:
    """Each time ``text`` names, as days and the words read, left to right without overlaps."""
    resume = 0
    for word in _STARTS.finditer(text):
        reading = _read_at(text, word.start(), today) if word.start() >= resume else None
        if reading is not None:
            days, match = reading
            resume = match.end()
            if days is not None:
                yield days, match.group()


def _read_at(text: str, position: int, today: date) -> tuple[_Days | None, re.Match[str]] | None:
    """The first form that matches at ``position``: its days (None for an impossible date) and match.

    An impossible date is skipped whole, not read again by a shorter form: "February 29, 2023" is not the
    last February 29.
    """
    for pattern, resolve in _FORMS:
        match = pattern.match(text, position)
        if match is not None:
            return _resolved(resolve, match, today), match
    return None


def _resolved(resolve: _Resolve, match: re.Match[str], today: date) -> _Days | None:
    try:
        return resolve(match, today)
    except (ValueError, OverflowError):  # no such date: June 31, or beyond the calendar
        return None
