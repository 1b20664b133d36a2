"""Reading the spans of time a text names: absolute dates, months and years, relative times (pure)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone, tzinfo

import pytest

from agentmem.errors import ConfigError
from agentmem.ranking.timespans import TimeSpan, time_spans

UTC = timezone.utc
NOW = datetime(2024, 6, 12, 15, 30, tzinfo=UTC)  # a Wednesday


def span(first: str, stop: str, phrase: str, zone: tzinfo = UTC) -> TimeSpan:
    """The span from midnight of ``first`` to midnight of ``stop`` (ISO dates) in ``zone``."""
    start, end = (datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=zone) for day in (first, stop))
    return TimeSpan(start, end, phrase)


def only(text: str, now: datetime = NOW) -> TimeSpan:
    (found,) = time_spans(text, now=now)
    return found


# -- absolute dates, months and years -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "stop", "phrase"),
    [
        ("on 2023-06-03", "2023-06-03", "2023-06-04", "2023-06-03"),
        ("at 2023-06-03T10:15:00Z", "2023-06-03", "2023-06-04", "2023-06-03"),
        ("in 2023-06 we", "2023-06-01", "2023-07-01", "2023-06"),
        ("3 June 2023", "2023-06-03", "2023-06-04", "3 June 2023"),
        ("3 June, 2023", "2023-06-03", "2023-06-04", "3 June, 2023"),
        ("the 3rd of June 2023", "2023-06-03", "2023-06-04", "3rd of June 2023"),
        ("03 Jun 2023", "2023-06-03", "2023-06-04", "03 Jun 2023"),
        ("21st DECEMBER 1999", "1999-12-21", "1999-12-22", "21st DECEMBER 1999"),
        ("June 3, 2023", "2023-06-03", "2023-06-04", "June 3, 2023"),
        ("June 3rd 2023", "2023-06-03", "2023-06-04", "June 3rd 2023"),
        ("Jun 3 2023", "2023-06-03", "2023-06-04", "Jun 3 2023"),
        ("Sept. 22nd, 2023", "2023-09-22", "2023-09-23", "Sept. 22nd, 2023"),
        ("sep 2 2023", "2023-09-02", "2023-09-03", "sep 2 2023"),
        ("June 2023", "2023-06-01", "2023-07-01", "June 2023"),
        ("June, 2023", "2023-06-01", "2023-07-01", "June, 2023"),
        ("Jun 2023", "2023-06-01", "2023-07-01", "Jun 2023"),
        ("dec. 2023", "2023-12-01", "2024-01-01", "dec. 2023"),
        ("in 2023", "2023-01-01", "2024-01-01", "in 2023"),
        ("during 1999", "1999-01-01", "2000-01-01", "during 1999"),
        ("the summer of 2022", "2022-01-01", "2023-01-01", "of 2022"),
    ],
)
def test_absolute_dates_months_and_years(text: str, first: str, stop: str, phrase: str) -> None:
    assert time_spans(text, now=NOW) == (span(first, stop, phrase),)


@pytest.mark.parametrize(
    ("text", "first", "phrase"),
    [
        ("June 3", "2024-06-03", "June 3"),
        ("3 June", "2024-06-03", "3 June"),
        ("the 3rd of June", "2024-06-03", "3rd of June"),
        ("June 12", "2024-06-12", "June 12"),  # today
        ("June 13", "2023-06-13", "June 13"),  # not yet this year
        ("on 25 December", "2023-12-25", "25 December"),
    ],
)
def test_a_day_without_a_year_is_the_latest_on_or_before_today(text: str, first: str, phrase: str) -> None:
    stop = (date.fromisoformat(first) + timedelta(days=1)).isoformat()
    assert time_spans(text, now=NOW) == (span(first, stop, phrase),)


def test_a_leap_day_without_a_year_is_the_last_one_that_happened() -> None:
    assert only("Feb 29", now=datetime(2027, 1, 5, tzinfo=UTC)) == span("2024-02-29", "2024-03-01", "Feb 29")


@pytest.mark.parametrize(
    ("text", "first", "stop"),
    [
        ("in June", "2024-06-01", "2024-07-01"),  # now is in June: this June
        ("in March", "2024-03-01", "2024-04-01"),  # already over this year
        ("during July", "2023-07-01", "2023-08-01"),  # not begun this year: last year's
        ("early Feb", "2024-02-01", "2024-03-01"),
        ("late December", "2023-12-01", "2024-01-01"),
        ("last June", "2023-06-01", "2023-07-01"),  # in June, "last June" is a year ago
        ("last March", "2024-03-01", "2024-04-01"),
        ("last July", "2023-07-01", "2023-08-01"),
    ],
)
def test_a_month_alone_after_in_during_early_late_or_last(text: str, first: str, stop: str) -> None:
    assert time_spans(text, now=NOW) == (span(first, stop, text),)


@pytest.mark.parametrize("text", ["June", "since June", "of June", "June was hot"])
def test_a_month_alone_needs_a_leading_word(text: str) -> None:
    assert time_spans(text, now=NOW) == ()


def test_a_month_with_a_day_or_year_after_the_leading_word_is_read_as_that_date() -> None:
    assert time_spans("in June 2023", now=NOW) == (span("2023-06-01", "2023-07-01", "June 2023"),)
    assert time_spans("in June 3rd", now=NOW) == (span("2024-06-03", "2024-06-04", "June 3rd"),)


# -- relative times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "stop"),
    [
        ("today", "2024-06-12", "2024-06-13"),
        ("Yesterday", "2024-06-11", "2024-06-12"),
        ("this week", "2024-06-10", "2024-06-17"),
        ("last week", "2024-06-03", "2024-06-10"),
        ("this month", "2024-06-01", "2024-07-01"),
        ("last month", "2024-05-01", "2024-06-01"),
        ("this year", "2024-01-01", "2025-01-01"),
        ("last year", "2023-01-01", "2024-01-01"),
        ("3 days ago", "2024-06-09", "2024-06-10"),
        ("1 day ago", "2024-06-11", "2024-06-12"),
        ("a day ago", "2024-06-11", "2024-06-12"),
        ("12 days ago", "2024-05-31", "2024-06-01"),
        ("ten days ago", "2024-06-02", "2024-06-03"),
        ("a week ago", "2024-06-03", "2024-06-10"),
        ("two weeks ago", "2024-05-27", "2024-06-03"),
        ("5 weeks ago", "2024-05-06", "2024-05-13"),
        ("last weekend", "2024-06-08", "2024-06-10"),
    ],
)
def test_relative_times(text: str, first: str, stop: str) -> None:
    assert time_spans(text, now=NOW) == (span(first, stop, text),)


def test_last_month_in_january_is_the_december_before() -> None:
    assert only("last month", now=datetime(2024, 1, 20, tzinfo=UTC)) == span("2023-12-01", "2024-01-01", "last month")


@pytest.mark.parametrize(
    ("now", "saturday"),
    [
        (datetime(2024, 6, 10, 9, tzinfo=UTC), "2024-06-08"),  # Monday
        (datetime(2024, 6, 15, 9, tzinfo=UTC), "2024-06-08"),  # Saturday: the weekend before this one
        (datetime(2024, 6, 16, 23, tzinfo=UTC), "2024-06-08"),  # Sunday
        (datetime(2024, 6, 17, 0, tzinfo=UTC), "2024-06-15"),  # the next Monday
    ],
)
def test_last_weekend_is_the_saturday_and_sunday_before_this_week(now: datetime, saturday: str) -> None:
    monday = (date.fromisoformat(saturday) + timedelta(days=2)).isoformat()
    assert only("last weekend", now=now) == span(saturday, monday, "last weekend")


@pytest.mark.parametrize("now", [datetime(2024, 6, 10, tzinfo=UTC), datetime(2024, 6, 16, 23, 59, tzinfo=UTC)])
def test_weeks_start_on_monday(now: datetime) -> None:
    assert only("this week", now=now) == span("2024-06-10", "2024-06-17", "this week")


# -- what is not a time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2000 steps",
        "room 2023",
        "in 2150",  # years run 1900-2099
        "in 2023s",
        "todays plan",
        "yesterdays",
        "this weekend",
        "1.5 days ago",
        "version 2023-06-03-1",
        "3x June",
    ],
)
def test_texts_that_name_no_time(text: str) -> None:
    assert time_spans(text, now=NOW) == ()


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("what we did in May", "in May"),
        ("what we did in March", "in March"),
        ("the 3rd of Mar 2024", "3rd of Mar 2024"),
        ("since August 2, 2023", "August 2, 2023"),
        ("MAY 2023", "MAY 2023"),
    ],
)
def test_may_march_and_august_are_months_when_capitalised(text: str, phrase: str) -> None:
    assert [found.phrase for found in time_spans(text, now=NOW)] == [phrase]


@pytest.mark.parametrize(
    "text",
    ["we may go in may", "may 2023", "in march", "march 3, 2023", "don't mar 3 tables", "in august company"],
)
def test_may_march_and_august_in_lower_case_are_words_not_months(text: str) -> None:
    assert time_spans(text, now=NOW) == ()


@pytest.mark.parametrize(
    "text", ["June 31", "31 June 2023", "Feb 30 2023", "February 29, 2023", "2023-02-30", "2023-13", "0 June"]
)
def test_impossible_dates_are_skipped(text: str) -> None:
    assert time_spans(text, now=NOW) == ()


def test_an_impossible_date_does_not_hide_the_others() -> None:
    assert time_spans("June 31, 2023 or July 1, 2023", now=NOW) == (span("2023-07-01", "2023-07-02", "July 1, 2023"),)


# -- several spans, overlaps, timezones -----------------------------------------------------------------


def test_several_spans_come_in_the_order_of_the_text() -> None:
    assert time_spans("yesterday, on 2023-06-03 and in 2022", now=NOW) == (
        span("2024-06-11", "2024-06-12", "yesterday"),
        span("2023-06-03", "2023-06-04", "2023-06-03"),
        span("2022-01-01", "2023-01-01", "in 2022"),
    )


def test_a_span_named_twice_is_returned_once_with_its_first_words() -> None:
    assert time_spans("today, Today and 2024-06-12; in June or June 2024", now=NOW) == (
        span("2024-06-12", "2024-06-13", "today"),
        span("2024-06-01", "2024-07-01", "in June"),
    )


def test_the_longest_form_wins_and_matches_do_not_overlap() -> None:
    assert time_spans("June 3, 2023", now=NOW) == (span("2023-06-03", "2023-06-04", "June 3, 2023"),)
    assert time_spans("3rd of June 2023", now=NOW) == (span("2023-06-03", "2023-06-04", "3rd of June 2023"),)
    assert time_spans("2023-06-03", now=NOW) == (span("2023-06-03", "2023-06-04", "2023-06-03"),)


def test_days_are_those_of_the_timezone_of_now() -> None:
    eastern = timezone(timedelta(hours=-5))
    now = datetime(2024, 6, 12, 2, 0, tzinfo=UTC).astimezone(eastern)  # still June 11 there
    assert only("today", now=now) == span("2024-06-11", "2024-06-12", "today", zone=eastern)
    assert only("today", now=now).start == datetime(2024, 6, 11, 5, 0, tzinfo=UTC)
    assert only("2023-06-03", now=now) == span("2023-06-03", "2023-06-04", "2023-06-03", zone=eastern)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"datetime\.now\(timezone\.utc\)"):
        time_spans("today", now=datetime(2024, 6, 12))


def test_a_time_span_is_immutable() -> None:
    found = only("today")
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(found, "phrase", "tomorrow")  # noqa: B010 (a frozen field, written on purpose)


# -- questions as LoCoMo asks them ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "What did Maria participate in last weekend before April 10, 2023?",
            (
                span("2024-06-08", "2024-06-10", "last weekend"),
                span("2023-04-10", "2023-04-11", "April 10, 2023"),
            ),
        ),
        ("When did Melanie go camping in June?", (span("2024-06-01", "2024-07-01", "in June"),)),
        ("What did Dave open in May 2023?", (span("2023-05-01", "2023-06-01", "May 2023"),)),
        ("What was the book as mentioned on 3 June, 2023?", (span("2023-06-03", "2023-06-04", "3 June, 2023"),)),
    ],
)
def test_locomo_questions(question: str, expected: tuple[TimeSpan, ...]) -> None:
    assert time_spans(question, now=NOW) == expected


def test_a_capitalised_may_that_opens_a_question_is_no_month_alone() -> None:
    assert time_spans("May I ask what we did last weekend?", now=NOW) == (
        span("2024-06-08", "2024-06-10", "last weekend"),
    )
