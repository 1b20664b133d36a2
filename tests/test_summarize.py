"""Summaries: the extractive default keeps names, numbers and dates within budget; the LLM one over loopback."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from agentmem.consolidation.importance import detail_spans, proper_names
from agentmem.consolidation.summaries import ExtractiveSummarizer
from agentmem.errors import ConfigError, LLMError
from agentmem.llm.openai_compatible import ChatClient
from agentmem.llm.summaries import LLMSummarizer, strip_boilerplate
from agentmem.text.tokens import WhitespaceTokenizer, default_tokenizer
from agentmem.types import Summarizer
from tests.llm import server as loopback
from tests.llm.server import Reply, ScriptedServer, chat_reply, unused_port

llm_server = loopback.llm_server

# LoCoMo-like: two speakers, session-dated small talk with the facts a later question asks about.
TURNS = [
    "Caroline: Hey Mel! I went to the LGBTQ support group yesterday, 7 May 2023. It was so powerful.",
    "Melanie: Wow, that sounds amazing! How did it go?",
    "Caroline: The transgender stories were inspiring. I met Jolene there, she is a counselor at Riverside Clinic.",
    "Melanie: That's great. I took my kids to the museum on Saturday and we saw the dinosaur exhibit.",
    "Caroline: I'm thinking of applying to a counseling program. The deadline is June 30 and it costs $1,200.",
    "Melanie: You should go for it! I painted a sunrise last week at 6:30 am at Lake Tahoe.",
    "Caroline: Thanks Mel. I'll call the admissions office on Monday.",
    "Melanie: Good luck! Let's catch up after my pottery class on 12 May.",
]
KEPT = [
    "Caroline",
    "Melanie",
    "LGBTQ",
    "7 May 2023",
    "Jolene",
    "Riverside Clinic",
    "Saturday",
    "June 30",
    "$1,200",
    "6:30 am",
    "Lake Tahoe",
    "Monday",
    "12 May",
]


def _contains(summary: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", summary, re.I) is not None


def test_the_group_terms_are_what_the_detail_finders_find() -> None:
    found = {t for turn in TURNS for t in detail_spans(turn) + proper_names(turn)}
    assert set(KEPT) - {"Caroline", "Melanie"} <= found


def test_extractive_keeps_every_name_number_and_date() -> None:
    summary = ExtractiveSummarizer().summarize(TURNS)
    assert [t for t in KEPT if not _contains(summary, t)] == []
    capped = ExtractiveSummarizer(max_sentences=5).summarize(TURNS)
    assert [t for t in KEPT if not _contains(capped, t)] == []
    assert "Details:" in capped  # five sentences cannot hold them all
    assert capped.count("Details:") == 1


def test_extractive_covers_the_content_and_leaves_out_small_talk() -> None:
    texts = [
        "Gina: Wow, that looks awesome!",
        "Jon: Thanks! The dance studio opens on 3 June in the old warehouse on Pine Street.",
        "Gina: Wow, awesome!",
        "Jon: We hired two teachers, Ana and Luis, who teach salsa and tango.",
        "Gina: That's great, Jon!",
        "Jon: Yeah, great!",
    ]
    summary = ExtractiveSummarizer().summarize(texts)
    assert "Pine Street" in summary and "tango" in summary and "3 June" in summary
    assert "Wow" not in summary and "That's great" not in summary
    full = ExtractiveSummarizer(coverage=1.0).summarize(texts)
    assert len(full) >= len(summary)
    with pytest.raises(ConfigError, match="coverage"):
        ExtractiveSummarizer(coverage=0.0)


def test_extractive_keeps_chosen_sentences_in_their_original_order() -> None:
    summary = ExtractiveSummarizer(max_sentences=3).summarize(TURNS)
    body = summary.split(" Details: ")[0]
    originals = [s for turn in TURNS for s in re.split(r"(?<=[.!?]) ", turn.split(": ", 1)[1])]
    positions = [i for i, sentence in enumerate(originals) if sentence in body]
    assert len(positions) == 3
    assert positions == sorted(positions)
    assert "How did it go?" not in body  # small talk is never preferred to facts


def test_extractive_names_each_speaker_once_per_run() -> None:
    summary = ExtractiveSummarizer(max_sentences=8).summarize(TURNS)
    assert summary.startswith("Caroline: ")
    assert "Caroline: Caroline:" not in summary
    assert not re.search(r"Caroline: [^:]*\. Caroline: ", summary.split(" Details: ")[0])


@pytest.mark.parametrize("max_tokens", [200, 100, 80, 60, 45, 30, 12, 1, 0])
def test_extractive_respects_max_tokens_with_the_real_tokenizer(max_tokens: int) -> None:
    tokenizer = default_tokenizer()
    summary = ExtractiveSummarizer(tokenizer).summarize(TURNS, max_tokens=max_tokens)
    assert tokenizer.count(summary) <= max_tokens
    if max_tokens >= 45:  # the details clause keeps every term once there is room for it
        assert [t for t in KEPT if not _contains(summary, t)] == []


def test_extractive_is_deterministic() -> None:
    summaries = {ExtractiveSummarizer().summarize(list(TURNS), max_tokens=70) for _ in range(5)}
    assert len(summaries) == 1


def test_extractive_without_details_to_add_is_just_the_sentences() -> None:
    garden = [
        "Melanie planted tomatoes in the garden.",
        "Melanie's garden tomatoes need water every morning.",
        "Melanie bought a new hose for the garden tomatoes.",
    ]
    assert ExtractiveSummarizer(coverage=1.0).summarize(garden) == " ".join(garden)


def test_extractive_drops_repeated_sentences() -> None:
    texts = ["Sam's train leaves at 8:15 from platform 4.", "Sam's train leaves at 8:15 from platform 4."]
    assert ExtractiveSummarizer().summarize(texts) == "Sam's train leaves at 8:15 from platform 4."


def test_extractive_rejects_nothing_to_summarize_and_bad_settings() -> None:
    with pytest.raises(ConfigError):
        ExtractiveSummarizer().summarize(["", "  "])
    with pytest.raises(ConfigError):
        ExtractiveSummarizer().summarize(TURNS, max_tokens=-1)
    with pytest.raises(ConfigError):
        ExtractiveSummarizer(max_sentences=0)


# --- LLMSummarizer --------------------------------------------------------------------------------------------


def _summarizer(server: ScriptedServer, **options: Any) -> LLMSummarizer:
    client = ChatClient(server.url, model="m", retries=1, sleep=lambda _: None)
    return LLMSummarizer(client, **options)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Caroline met Jolene on 7 May 2023.", "Caroline met Jolene on 7 May 2023."),
        ("Here is a concise summary of the statements:\n\nCaroline met Jolene.", "Caroline met Jolene."),
        ('Sure! Here\'s the summary:\n"Caroline met Jolene."\n\nLet me know if I can help.', "Caroline met Jolene."),
        ("**Summary:** Caroline met\nJolene.", "Caroline met Jolene."),
        ("Summary: Caroline met Jolene.", "Caroline met Jolene."),
    ],
)
def test_boilerplate_is_stripped(answer: str, expected: str) -> None:
    assert strip_boilerplate(answer) == expected


def test_llm_summary_over_loopback(llm_server: ScriptedServer) -> None:
    llm_server.script(
        chat_reply(
            "Here is a summary:\nCaroline met Jolene at Riverside Clinic on 7 May 2023; the deadline is June 30."
        )
    )
    summarizer: Summarizer = _summarizer(llm_server)

    summary = summarizer.summarize(TURNS[:3])

    assert summary == "Caroline met Jolene at Riverside Clinic on 7 May 2023; the deadline is June 30."
    prompt = llm_server.requests[0].prompt
    assert f"1. {TURNS[0]}\n2. {TURNS[1]}\n3. {TURNS[2]}" in prompt
    assert "Keep every name, number, date" in prompt


def test_llm_summary_is_cut_to_max_tokens_at_a_sentence_end(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("Caroline met Jolene. She applies by June 30 and pays $1,200 for the program."))

    summary = _summarizer(llm_server, tokenizer=WhitespaceTokenizer()).summarize(TURNS, max_tokens=8)

    assert summary == "Caroline met Jolene."
    assert "in at most 6 words" in llm_server.requests[0].prompt
    assert llm_server.requests[0].json()["max_tokens"] == 64


def test_llm_failure_uses_the_fallback_and_warns(llm_server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    llm_server.script(Reply(500, "boom"), Reply(500, "boom"))
    fallback = ExtractiveSummarizer()

    with caplog.at_level(logging.WARNING, logger="agentmem.consolidation.summaries"):
        summary = _summarizer(llm_server, fallback=fallback).summarize(TURNS, max_tokens=60)

    assert summary == fallback.summarize(TURNS, max_tokens=60)
    assert "HTTP 500" in caplog.records[0].getMessage()


def test_an_empty_answer_uses_the_fallback(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("Here is a summary:\n\n"))
    fallback = ExtractiveSummarizer()
    assert _summarizer(llm_server, fallback=fallback).summarize(TURNS) == fallback.summarize(TURNS)


def test_llm_failure_without_fallback_raises(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply(""))
    with pytest.raises(LLMError, match="empty"):
        _summarizer(llm_server).summarize(TURNS)


def test_server_down_uses_the_fallback() -> None:
    client = ChatClient(f"http://127.0.0.1:{unused_port()}/v1", model="m", retries=0)
    fallback = ExtractiveSummarizer()
    assert LLMSummarizer(client, fallback=fallback).summarize(TURNS) == fallback.summarize(TURNS)
