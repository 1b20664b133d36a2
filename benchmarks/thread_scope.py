"""What scoping torch's thread count to agentmem's calls costs: one-query encodes, host at 1 vs 2 threads.

    python -m benchmarks.thread_scope [--quick] [--out DIR]

agentmem sets torch's intra-op threads to its own count (1 by default) around each load and encode and gives
the host's count back after (``agentmem/embedders/sentence_transformers.py``). When the host runs at 1 thread
nothing is switched; at 2 (torch's default on this machine) every encode switches twice. Batch-1 encodes of
the same query, alternating blocks of both, medians and p90: the switch's cost is their difference. A bare
``encode`` with torch left at 1 thread (no agentmem wrapper) is the same-run reference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from benchmarks.common import Figure, add_output_option, percentile, write_timed_results

QUERY = "what did we decide about the trip to Lisbon?"


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few calls (CI smoke)")
    add_output_option(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    import torch

    from agentmem import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.embed([QUERY])
    bare = embedder._load().encode  # the encoder itself, outside agentmem's thread scope
    blocks, per_block = (2, 10) if args.quick else (10, 50)
    times: dict[str, list[float]] = {"host at 1 thread (no switch)": [], "host at 2 threads (switch + restore)": []}
    reference: list[float] = []
    for _ in range(blocks):
        for host, (label, sink) in zip((1, 2), times.items(), strict=True):
            torch.set_num_threads(host)
            for _ in range(per_block):
                began = time.perf_counter()
                embedder.embed([QUERY])
                sink.append(time.perf_counter() - began)
            assert torch.get_num_threads() == host, label
        torch.set_num_threads(1)
        for _ in range(per_block):
            began = time.perf_counter()
            bare([QUERY], 64)
            reference.append(time.perf_counter() - began)
    parameters: dict[str, Any] = {"calls per row": blocks * per_block, "agentmem threads": embedder.threads}
    figures = []
    for label, values in [*times.items(), ("bare encode at 1 thread (reference)", reference)]:
        figures.append(Figure(f"{label}: p50", statistics.median(values) * 1e3, "ms", parameters))
        figures.append(Figure(f"{label}: p90", percentile(values, 90) * 1e3, "ms", parameters))
    path, runtime = write_timed_results(
        "thread_scope", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    lines = ["# Scoped torch threads: one-query encode", "", "| row | p50 | p90 |", "|---|---|---|"]
    for p50, p90 in zip(figures[0::2], figures[1::2], strict=True):
        lines.append(f"| {p50.name.removesuffix(': p50')} | {p50.value:.2f} ms | {p90.value:.2f} ms |")
    lines.append(
        f"\n{parameters['calls per row']} calls per row, alternating blocks. `python -m benchmarks.thread_scope`.\n"
    )
    path.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"runtime {runtime:.0f} s", file=sys.stderr)
    return figures


if __name__ == "__main__":
    main()
