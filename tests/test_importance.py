"""Importance: the offline heuristic's signals and ordering, and the LLM poignancy scorer over loopback HTTP."""

from __future__ import annotations

import logging

import pytest

from agentmem.consolidation.importance import HeuristicImportance, HeuristicWeights, detail_spans, proper_names
from agentmem.errors import LLMError
from agentmem.llm.importance import LLMImportance, parse_rating
from agentmem.llm.openai_compatible import ChatClient
from agentmem.types import ImportanceScorer
from tests.llm import server as loopback
from tests.llm.server import Reply, ScriptedServer, chat_reply, unused_port

llm_server = loopback.llm_server

DECISION = "We decided with Priya that the Berlin launch deadline is Friday, 14 March, and the budget is $40,000."
CHIT_CHAT = "ok thanks"

# --- the detail finders shared with the summarizer -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meet on 7 May 2023 at 9am.", ["7 May 2023", "9am"]),
        ("It cost $1,200 or 20 dollars, 15% off.", ["$1,200", "20 dollars", "15%"]),
        ("Flight UA930 leaves 2023-05-07 at 14:30 from gate B12.", ["UA930", "2023-05-07", "14:30", "B12"]),
        ("On May 7th, 2023 and in the 1990s, every Friday in March.", ["May 7th, 2023", "1990s", "Friday", "March"]),
        ("May I ask what you did?", []),
        ("Nothing countable here.", []),
    ],
)
def test_detail_spans(text: str, expected: list[str]) -> None:
    assert detail_spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I flew to Los Angeles with Alice's brother Tom.", ["Los Angeles", "Alice", "Tom"]),
        ("Caroline: Thanks Mel. I met Jolene at Riverside Clinic.", ["Mel", "Jolene", "Riverside Clinic"]),
        ("Yesterday I said I'm fine on Monday in May.", []),
        ('She said "Great idea" to Bob (Marketing) at gate B12.', ["Bob"]),
    ],
)
def test_proper_names_skip_sentence_starts_dates_and_codes(text: str, expected: list[str]) -> None:
    assert proper_names(text) == expected


# --- HeuristicImportance ------------------------------------------------------------------------------------


def test_the_heuristic_is_an_importance_scorer() -> None:
    scorer: ImportanceScorer = HeuristicImportance()
    assert len(scorer.score(["a", "b"])) == 2


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        (DECISION, CHIT_CHAT),
        (DECISION, "I had a sandwich for lunch."),
        ("The deploy failed with a database error and the API crashed.", "The weather was mild today."),
        ("My sister got married in Lisbon and I was so proud.", "I walked to the shop."),
        ("I will send Marco the signed contract by 5pm tomorrow.", "lol"),
        ("Can you remind me what Dana said about the offsite?", "hmm ok"),
        ("I went to the LGBTQ support group yesterday, it was powerful.", "thanks, see ya"),
    ],
)
def test_heuristic_ordering(higher: str, lower: str) -> None:
    high, low = HeuristicImportance().score([higher, lower])
    assert high > low


@pytest.mark.parametrize(
    "text", [DECISION, CHIT_CHAT, "", "   ", "?", "日本語のテキスト", "x" * 5000, "1 2 3 4 5 6 7 8"]
)
def test_every_score_is_in_the_unit_interval(text: str) -> None:
    (score,) = HeuristicImportance().score([text], context=[DECISION, text])
    assert 0.0 <= score <= 1.0


def test_a_repeated_text_is_less_novel_than_a_new_one() -> None:
    scorer = HeuristicImportance()
    context = ["Alice moved the standup to 10am on Tuesdays.", "The team lunch is at Rosa's on Friday."]
    repeated, new = scorer.score(
        ["Alice moved the standup to 10am on Tuesdays.", "Bob booked flights to Oslo for the 3 June workshop."],
        context=context,
    )
    assert scorer.explain(context[0], context)["novelty"] == pytest.approx(0.0)
    weight = HeuristicWeights().novelty
    assert scorer.explain("Bob booked flights to Oslo for the 3 June workshop.", context)["novelty"] > 0.6 * weight
    assert repeated < new


def test_a_batch_that_repeats_itself_is_not_all_novel() -> None:
    first, second = HeuristicImportance().score(["Priya's flight lands at 6pm.", "Priya's flight lands at 6pm."])
    assert first > second


def test_a_near_duplicate_is_less_novel_than_an_unrelated_text() -> None:
    scorer = HeuristicImportance()
    context = ["Melanie planted tomatoes in the garden on Sunday."]
    weight = HeuristicWeights().novelty
    near = scorer.explain("Melanie planted tomatoes in her garden on Sunday!", context)["novelty"] / weight
    unrelated = scorer.explain("The quarterly report is due to finance next week.", context)["novelty"] / weight
    assert near < 0.5 < unrelated


@pytest.mark.parametrize(
    "text", [DECISION, CHIT_CHAT, "The deploy failed with error 502 on 2024-01-03, Sam is on call. Why?", ""]
)
def test_explain_adds_up_to_the_score(text: str) -> None:
    scorer = HeuristicImportance()
    context = ["Sam is on call this week.", "ok"]
    contributions = scorer.explain(text, context)
    assert set(contributions) == {
        "novelty",
        "decision",
        "problem",
        "milestone",
        "details",
        "names",
        "length",
        "question",
        "chit_chat",
    }
    (score,) = scorer.score([text], context=context)
    assert score == pytest.approx(min(1.0, max(0.0, sum(contributions.values()))))


def test_explain_shows_each_signal_at_its_weight() -> None:
    contributions = HeuristicImportance().explain(DECISION)
    assert contributions["novelty"] == pytest.approx(0.25)  # no context: entirely novel
    assert contributions["decision"] == pytest.approx(0.20)  # "decided", "deadline"
    assert contributions["details"] == pytest.approx(0.10)  # 14 March, $40,000, Friday
    assert contributions["names"] == pytest.approx(0.10)  # Priya, Berlin
    assert contributions["problem"] == contributions["chit_chat"] == 0.0
    assert HeuristicImportance().explain(CHIT_CHAT)["chit_chat"] == pytest.approx(-0.20)


def test_weights_can_be_changed() -> None:
    only_problems = HeuristicWeights(**dict.fromkeys(HeuristicWeights.__slots__, 0.0) | {"problem": 1.0})
    scorer = HeuristicImportance(weights=only_problems)
    assert scorer.score(["The build failed with an error.", DECISION]) == [1.0, 0.0]


# --- parse_rating and LLMImportance ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "rating"),
    [
        ("Rating: 8", 8.0),
        ("7/10", 7.0),
        ("I'd say 3.", 3.0),
        ("**Rating:** 9", 9.0),
        ("On a scale of 1 to 10, I would rate this a 6 out of 10.", 6.0),
        ("Rating: 15. Hmm, let me correct that: 5", 5.0),
        ("In 2023 this would be a 4", 4.0),
        ("seven", 7.0),
        ("It's a solid Ten", 10.0),
        ("6.5", 6.5),
        ("garbage", None),
        ("0", None),
        ("", None),
    ],
)
def test_parse_rating(answer: str, rating: float | None) -> None:
    assert parse_rating(answer) == rating


def _scorer(server: ScriptedServer, **options: object) -> LLMImportance:
    client = ChatClient(server.url, model="m", retries=1, sleep=lambda _: None)
    return LLMImportance(client, **options)


def test_llm_ratings_are_mapped_to_the_unit_interval(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("Rating: 8"), chat_reply("7/10"), chat_reply("I'd say 3."), chat_reply("1"))

    scores = _scorer(llm_server).score(["got engaged", "moved flat", "bought milk", "brushed teeth"])

    assert scores == pytest.approx([7 / 9, 6 / 9, 2 / 9, 0.0])
    first = llm_server.requests[0].json()
    assert first["temperature"] == 0.0
    assert "rate the likely poignancy of the following piece of memory" in llm_server.requests[0].prompt
    assert "Memory: got engaged\nRating: <fill in>" in llm_server.requests[0].prompt


def test_an_unparseable_answer_uses_the_fallback_and_warns(
    llm_server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    llm_server.script(chat_reply("Rating: 10"), chat_reply("I cannot rate memories."))
    heuristic = HeuristicImportance()

    with caplog.at_level(logging.WARNING, logger="agentmem.consolidation.importance"):
        scores = _scorer(llm_server, fallback=heuristic).score([DECISION, CHIT_CHAT])

    assert scores[0] == 1.0
    assert scores[1] == heuristic.score([CHIT_CHAT], context=[DECISION])[0]
    (warning,) = caplog.records
    assert "text #1" in warning.getMessage()


def test_an_unparseable_answer_without_fallback_raises(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("Rating: 5"), chat_reply("As an AI I have no opinion."))
    with pytest.raises(LLMError, match=r"no 1-10 rating in the answer for text #1") as caught:
        _scorer(llm_server).score(["a", "b"])
    assert caught.value.status == 200


def test_a_failing_endpoint_hands_the_rest_of_the_batch_to_the_fallback(
    llm_server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    llm_server.script(chat_reply("2"), Reply(500, "boom"), Reply(503, "boom"))
    heuristic = HeuristicImportance()
    texts = ["bought milk", DECISION, CHIT_CHAT]

    with caplog.at_level(logging.WARNING, logger="agentmem.consolidation.importance"):
        scores = _scorer(llm_server, fallback=heuristic).score(texts)

    assert scores == [pytest.approx(1 / 9), *heuristic.score(texts[1:], context=texts[:1])]
    assert len(llm_server.requests) == 3  # one retry for text #1, none for text #2
    assert "texts #1-#2" in caplog.records[0].getMessage()


def test_a_failing_endpoint_without_fallback_raises(llm_server: ScriptedServer) -> None:
    llm_server.script(Reply(401, {"error": {"message": "bad key"}}))
    with pytest.raises(LLMError, match="bad key"):
        _scorer(llm_server).score(["anything"])


def test_server_down_uses_the_fallback(caplog: pytest.LogCaptureFixture) -> None:
    client = ChatClient(f"http://127.0.0.1:{unused_port()}/v1", model="m", retries=1, sleep=lambda _: None)
    heuristic = HeuristicImportance()

    with caplog.at_level(logging.WARNING, logger="agentmem.consolidation.importance"):
        scores = LLMImportance(client, fallback=heuristic).score([DECISION, CHIT_CHAT], context=["earlier"])

    assert scores == heuristic.score([DECISION, CHIT_CHAT], context=["earlier"])
    assert "connection failed" in caplog.records[0].getMessage()
