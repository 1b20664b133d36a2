"""Which sources a reflection may archive: the summary must hold their names, numbers, dates and most words."""

from __future__ import annotations

from agentmem.consolidation.coverage import uncovered

ALICE = [
    "Alice flies to Berlin on 12 March.",
    "Alice's flight to Berlin leaves at 09:40.",
    "Alice booked the Hotel Adlon in Berlin.",
    "Alice needs a taxi to the airport.",
    "Wow, thanks!",
]


def test_a_source_whose_sentence_the_summary_left_out_is_not_covered() -> None:
    summary = "Alice flies to Berlin on 12 March; the flight leaves at 09:40 and she booked the Hotel Adlon."

    assert uncovered(ALICE, summary) == [3]  # the taxi: no name or number, but its words are gone


def test_a_missing_name_number_or_date_is_enough_to_keep_a_source() -> None:
    summary = (
        "Alice flies to Berlin in March; her flight leaves early; she booked a hotel and needs a taxi to the airport."
    )

    # Most words are there, but "12 March", "09:40" and "Hotel Adlon" are not.
    assert uncovered(ALICE, summary) == [0, 1, 2]


def test_small_talk_and_a_speaker_prefix_need_nothing_in_the_summary() -> None:
    sources = ["Melanie: Wow, thanks!", "Melanie: I painted a sunset over the lake last week."]

    assert uncovered(sources, "Melanie painted a sunset over the lake last week.") == []
    assert uncovered(sources, "Someone painted.") == [1]


def test_words_count_after_the_summarizers_stemming() -> None:
    sources = ["Melanie is painting sunsets by the harbour."]

    assert uncovered(sources, "Melanie painted a sunset at the harbour.") == []
    assert uncovered(sources, "Melanie likes the sea.") == [0]
