"""The offline update detector's decisions on hand-written pairs: updates, and look-alikes that are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentmem import (
    ConfigError,
    HashingEmbedder,
    LLMError,
    LLMUpdateJudge,
    MemoryPolicy,
    MemoryStore,
    ValueChangeDetector,
)
from agentmem.consolidation.updates import value_keywords
from agentmem.llm.openai_compatible import ChatClient
from tests.llm import server as loopback
from tests.llm.server import ScriptedServer, chat_reply

# (stored, new, is the new one an update of the stored one?)
PAIRS = [
    # updates: the same subject and attribute, another value
    ("I lead a team of 4 engineers.", "I now lead a team of 5 engineers.", True),
    ("Alice lives in Paris.", "Alice lives in Berlin now.", True),
    ("The standup is at 9:30 every day.", "The standup is at 10:00 every day from now on.", True),
    ("The meeting with the vendor is on Wednesday.", "The meeting with the vendor moved to Thursday.", True),
    ("The API answers in 400 ms at the median.", "The API answers in 250 ms at the median.", True),
    ("I've been using my Fitbit Charge 3 for 6 months now.", "I've been using my Fitbit Charge 3 for 9 months.", True),
    (
        "I've completed 4 projects since starting painting classes.",
        "I just finished my 5th project since starting painting classes.",
        True,
    ),
    (
        "My highest score in Ticket to Ride is 124 points.",
        "I just got my highest score in Ticket to Ride - 132 points!",
        True,
    ),
    ("I have 450 followers on Instagram.", "I'm now at 600 followers on Instagram.", True),
    ("Bob's phone number is 555-0142.", "Bob's new phone number is 555-0199.", True),
    ("The office door code is 4471.", "The office door code changed to 9902.", True),
    ("My rent is $1,200 a month.", "My rent went up to $1,350 a month.", True),
    ("The project deadline is March 3.", "The project deadline is now March 17.", True),
    ("Carol's flight lands at 6pm on Friday.", "Carol's flight now lands at 8pm on Friday.", True),
    ("I have read 120 pages of Dune.", "I have read 220 pages of Dune so far.", True),
    ("The staging server is open to the team.", "The staging server is closed to the team.", True),
    ("My manager is Rachel.", "My manager is Tom since the reorganisation.", True),
    ("We have two cats at home.", "We have three cats at home now.", True),
    ("The build takes 14 minutes on CI.", "The build takes 9 minutes on CI after the cache fix.", True),
    ("Melanie: I have 2 dogs at home.", "Melanie: I have 3 dogs at home now.", True),
    # long texts that say much else around one count (LongMemEval's knowledge updates)
    (
        "I've been working on an abstract ocean sculpture at home, and I've spent around 5-6 hours on it so far.",
        "Any tips for clay? By the way, I've been spending a lot of time on my abstract ocean sculpture lately - "
        "I've already put in 10-12 hours.",
        True,
    ),
    (
        "I noticed I've watched a lot of Crash Course videos lately - I've finished 10 videos in the past few weeks!",
        "I've been on a learning streak lately, having watched 15 Crash Course videos in the past few weeks.",
        True,
    ),
    (
        "I've worn my new black Converse sneakers four times already.",
        "I wore my new black Converse to run errands yesterday, so that's six times now that I've worn them.",
        True,
    ),
    (
        "I just finished my third issue of National Geographic.",
        "I just finished my fifth issue of National Geographic.",
        True,
    ),
    (
        "I've accumulated enough points for a single free night's stay at any Hilton property.",
        "I've accumulated enough points for two free night's stays at any Hilton property.",
        True,
    ),
    (
        "Speaking of lenses, I recently got a new 50mm prime lens, which has been working out great.",
        "By the way, I've been getting some great shots with my new 70-200mm zoom lens lately.",
        True,
    ),
    (
        "Do you know if Instagram Insights can help? By the way, I've got 1250 followers on Instagram now.",
        "Can you help me with a caption for my Instagram post? I think I'm close to 1300 followers now.",
        True,
    ),
    # not updates: another subject, another event, an addition, or the same value
    ("Alice likes green tea.", "Bob likes green tea.", False),
    ("My sister has 2 kids.", "My brother has 3 kids.", False),
    ("I ran 5 miles on Monday.", "I ran 3 miles on Tuesday.", False),
    ("I went hiking with Sam yesterday.", "I went hiking with Sam last weekend.", False),
    ("I lead a team of 4 engineers.", "I lead a team of 4 engineers and love it.", False),
    ("Alice lives in Paris.", "Alice's brother lives in Lyon and works at a bakery.", False),
    ("I bought 2 books at the fair.", "I bought 3 plants at the market.", False),
    ("The meeting is on Wednesday.", "The party is on Saturday.", False),
    ("I adopted a dog named Max.", "My neighbour adopted a cat named Luna.", False),
    ("I've been using my Fitbit for 6 months.", "What is a good running app for beginners?", False),
    ("Caroline went to a support group on 7 May.", "Melanie painted a sunrise in 2022.", False),
    ("The API answers in 400 ms at the median.", "The database answers in 4 ms at the median.", False),
    ("I watched 3 movies this weekend.", "Sam recommended 2 movies to watch.", False),
    ("My flight to Lisbon is on Friday.", "My flight to Lisbon is on Friday at gate B12.", False),
    ("I scored 10 points in the first game.", "I scored 12 points in the second game.", False),
    ("Caroline: I have 2 dogs at home.", "Melanie: I have 3 dogs at home.", False),  # two speakers' "I"
    ("I scored 10 points in my first game.", "I scored 12 points in my second game.", False),
    ("I bought 2 tickets for the concert on Friday.", "I bought 4 tickets for the game on Sunday.", False),
    ("I read 3 chapters of Dune last night.", "My brother read 5 chapters of his thesis.", False),
    (
        "Having visited 3 museums in Rome with my aunt, I was tired.",
        "Having visited 2 museums in Madrid with my aunt, she was tired.",
        False,
    ),
    ("I'm single and I love it.", "I found a single sock under the bed.", False),
    (
        "Caroline: Thanks, Melanie! Your kind words mean a lot.",
        "Caroline: Thanks, Mel! Your kind words mean a lot.",
        False,
    ),
    ("Caroline: Sounds great, Mel! Glad you had a great time.", "Melanie: That sounds great, Caroline!", False),
    ("Gina: Way to go, Jon! Keep it up!", "Jon: Way to go, Gina! You really stepped up.", False),
]


@pytest.mark.parametrize(("stored", "new", "update"), PAIRS)
def test_the_detector_decides_each_hand_written_pair(stored: str, new: str, update: bool) -> None:
    reason = ValueChangeDetector().reason(new, stored)
    assert (reason is not None) == update, reason


def test_the_table_holds_enough_of_both() -> None:
    assert len(PAIRS) >= 30
    assert sum(u for *_, u in PAIRS) >= 15 and sum(not u for *_, u in PAIRS) >= 15


def test_a_reason_names_the_values_and_pairs_below_the_similarity_are_not_judged() -> None:
    detector = ValueChangeDetector()
    assert detector.reason("I now lead a team of 5 engineers.", "I lead a team of 4 engineers.") == (
        "number 4 → 5 (engineer lead team)"
    )
    pair = ("I now lead a team of 5 engineers.", "I lead a team of 4 engineers.")
    assert detector.judge([(*pair, 0.9), (*pair, 0.1)]) == [detector.reason(*pair), None]


llm_server = loopback.llm_server


def test_the_llm_judge_asks_per_pair_and_falls_back_on_a_useless_answer(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("YES: the team grew from 4 to 5"), chat_reply("No."), chat_reply("maybe?"))
    judge = LLMUpdateJudge(
        ChatClient(llm_server.url, model="m", retries=1, sleep=lambda _: None), fallback=ValueChangeDetector()
    )
    verdicts = judge.judge(
        [
            ("I now lead 5 engineers.", "I lead 4 engineers.", 0.8),
            ("Bob likes tea.", "Alice likes tea.", 0.7),
            ("I now lead a team of 5 engineers.", "I lead a team of 4 engineers.", 0.9),  # answered "maybe?"
            ("unrelated", "texts", 0.1),  # below the similarity: not asked
        ]
    )
    assert verdicts == ["llm: the team grew from 4 to 5", None, "number 4 → 5 (engineer lead team)", None]
    assert len(llm_server.requests) == 3
    assert "OLD: I lead 4 engineers.\nNEW: I now lead 5 engineers." in llm_server.requests[0].prompt
    with pytest.raises(LLMError):
        llm_server.script(chat_reply("perhaps"))
        LLMUpdateJudge(ChatClient(llm_server.url, model="m", retries=1, sleep=lambda _: None)).judge([("a", "b", 1.0)])


def test_a_store_with_the_detector_supersedes_on_add(tmp_path: Path) -> None:
    policy = MemoryPolicy(updates=ValueChangeDetector(min_similarity=0.2))
    with MemoryStore.open(tmp_path / "m.db", embedder=HashingEmbedder(256), policy=policy) as store:
        old = store.add("I lead a team of 4 engineers at the bank.")
        other = store.add("My sister has 2 kids.")
        done = store.add_detailed(["I now lead a team of 5 engineers at the bank.", "My brother has 3 kids."])
        assert [o.action for o in done] == ["superseded", "added"]
        assert done[0].superseded is not None and done[0].superseded.id == old.id
        assert done[0].reason == "number 4 → 5 (bank engineer lead team)"
        assert store.get(old.id).superseded_by == done[0].memory.id and store.get(other.id).status == "active"
        assert [r.id for r in store.history(old.id)] == [old.id, done[0].memory.id]


def test_the_detector_compares_at_least_one_neighbour() -> None:
    assert ValueChangeDetector().neighbours == 20 and LLMUpdateJudge(ChatClient("http://x", model="m")).neighbours == 5
    with pytest.raises(ConfigError):
        ValueChangeDetector(neighbours=0)


def test_a_count_mentioned_in_passing_finds_its_earlier_mention_by_its_words(tmp_path: Path) -> None:
    # The new text is about boots and a cobbler, and so are the other stored texts: its nearest neighbour in
    # meaning is one of them, not the earlier count of the sneakers, which only its words find.
    policy = MemoryPolicy(updates=ValueChangeDetector(min_similarity=0.0, neighbours=1))
    with MemoryStore.open(tmp_path / "m.db", embedder=HashingEmbedder(256), policy=policy) as store:
        old = store.add("Sorting my closet today took hours. I have worn my black Converse 3 times.")
        store.add_many(
            [
                "I need a good cobbler to fix my brown leather boots and a shoe cleaning kit for the winter hiking "
                "trip.",
                "A shoe cleaning kit and waterproof spray for brown leather boots before the winter hiking trip: which "
                "cobbler?",
            ]
        )
        new = (
            "I need a good cobbler to fix my brown leather boots, a shoe cleaning kit and waterproof spray for the "
            "winter hiking trip. By the way, I have worn my black Converse 5 times."
        )
        assert value_keywords(new) == "worn black converse times"
        done = store.add_detailed([new])[0]
        assert done.superseded is not None and done.superseded.id == old.id
        assert done.reason is not None and done.reason.startswith("number 3 → 5")
        assert store.stats().active == 3
