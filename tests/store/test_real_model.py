"""The store on the real bundled model, a real SQLite file and real FAISS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agentmem import EmbedderMismatchError, HashingEmbedder, MemoryStore, SentenceTransformerEmbedder

UNRELATED = [
    "Quarterly revenue grew by eight percent despite currency headwinds.",
    "The central bank left interest rates unchanged on Thursday.",
    "Heavy rain and strong winds are expected across the coast tonight.",
    "Refactor the parser so it streams tokens instead of reading the whole file.",
    "The pull request fails because a unit test depends on wall-clock time.",
    "Simmer the tomato sauce for twenty minutes, then add fresh basil.",
    "Knead the dough until it is smooth and let it rise for an hour.",
    "The train to Edinburgh was delayed by a signal failure near York.",
    "Her passport expires in March, so she must renew it before the trip.",
    "The orchestra rehearsed Mahler's fifth symphony all afternoon.",
    "Photosynthesis converts light energy into chemical energy in plants.",
    "The marathon route passes the river twice before the finish line.",
    "Backups run nightly and are kept for thirty days in cold storage.",
    "The museum's new wing displays bronze-age tools and pottery.",
    "He replaced the bicycle chain and adjusted the rear derailleur.",
    "Tax returns are due at the end of April this year.",
    "The volcano's last eruption covered the valley in ash.",
    "Our API rate limit is one hundred requests per minute per key.",
    "The committee approved the budget for the new library.",
    "Glaciers in the Alps have lost a third of their volume since 1980.",
]


@pytest.mark.model
def test_a_kitten_on_a_rug_recalls_the_cat_on_the_mat(
    real_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    with MemoryStore.open(tmp_path / "real.db", embedder=real_embedder) as store:
        cat = store.add("The cat sat on the mat")
        store.add_many(UNRELATED)
        hits = store.search("a kitten sleeping on a rug", k=5)
        assert hits[0].memory.id == cat.id
        assert hits[0].relevance > hits[1].relevance + 0.05
        assert store.stats().dimensions == 384
    vectors = real_embedder.embed(["The cat sat on the mat", "a kitten sleeping on a rug"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.model
def test_a_384d_namespace_refuses_a_64d_embedder_and_keeps_its_data(
    real_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    db = tmp_path / "real.db"
    with MemoryStore.open(db, embedder=real_embedder) as store:
        kept = store.add("The cat sat on the mat")
    with pytest.raises(EmbedderMismatchError, match="open it with the original model"):
        MemoryStore.open(db, embedder=HashingEmbedder(64))
    with MemoryStore.open(db, embedder=real_embedder) as store:
        assert store.search("a kitten on a rug", k=1)[0].memory.id == kept.id
        assert store.stats().active == 1


# A long meeting log: more than 600 word pieces of minutes before the fact, which the model alone never sees.
MINUTES = " ".join(
    f"Item {i}: the {topic} working group reported on {detail}, and the chair asked for a written update by "
    f"the next meeting."
    for i, (topic, detail) in enumerate(
        [
            ("budget", "spending against the annual plan"),
            ("facilities", "the heating repairs in the east wing"),
            ("hiring", "interviews for two engineering roles"),
            ("security", "badge access logs from the last quarter"),
            ("training", "the onboarding course for new staff"),
            ("procurement", "laptop orders delayed by the supplier"),
            ("communications", "the newsletter schedule for spring"),
            ("legal", "contract renewals with three vendors"),
            ("operations", "weekend on-call coverage"),
            ("research", "a literature review on battery chemistry"),
            ("design", "the new logo proposals"),
            ("sales", "pipeline numbers for the northern region"),
            ("support", "ticket backlog after the outage"),
            ("finance", "invoice approval times"),
            ("safety", "the fire drill held on Tuesday"),
            ("events", "venue options for the summer party"),
            ("quality", "defect rates in the last release"),
            ("travel", "the new policy on train bookings"),
            ("recycling", "the bins moved to the loading dock"),
            ("parking", "permits for the visitor spaces"),
            ("catering", "menus for the board dinner"),
            ("archives", "scanning the old project files"),
        ]
    )
)
FACT = "Finally, Priya said the storage unit's padlock code is 4471 and the unit number is B-12."


@pytest.mark.model
def test_a_fact_after_the_600th_word_piece_of_a_long_memory_is_recalled(
    real_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    from agentmem import Chunking
    from agentmem.text.tokens import default_tokenizer

    long_text = f"{MINUTES} {FACT}"
    assert default_tokenizer().count(MINUTES) > 600
    question = "What is the padlock code of Priya's storage unit?"
    relevance = {}
    for name, chunking in (("chunked", None), ("whole", Chunking(enabled=False))):
        with MemoryStore.open(
            tmp_path / f"{name}.db", embedder=real_embedder, index_dir=tmp_path / name, chunking=chunking
        ) as store:
            long_id = store.add(long_text).id
            store.add_many(UNRELATED)
            hits = store.retrieve(question, k=3, hybrid=False)  # the embedding alone must find it
            relevance[name] = next((h.relevance for h in hits if h.memory.id == long_id), None)
            if name == "chunked":
                assert hits[0].memory.id == long_id and hits[0].memory.text == long_text
                assert store.stats().index_vectors > len(UNRELATED) + 2
                block = store.recall(question, token_budget=2000)
                assert block.memories[0].memory.text == long_text and block.tokens <= 2000
    # The whole-text embedding is cut at 256 word pieces, long before the fact.
    whole = relevance["whole"]
    assert whole is None or relevance["chunked"] > whole + 0.15, relevance
