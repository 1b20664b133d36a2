"""What every benchmark suite shares: result files with parameters, versions and machine facts; data paths."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from agentmem.types import Embedder

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
QUICK_RESULTS = RESULTS / "quick"  # gitignored: smoke runs never overwrite the committed results
DATA_ENV = "AGENTMEM_DATA"
DATA = Path(os.environ.get(DATA_ENV) or ROOT.parent / "shared" / "data").resolve()
"""The evaluation data folder (never copied into the project): $AGENTMEM_DATA, else ../shared/data."""
LOCOMO = DATA / "locomo10.json"
LONGMEMEVAL = DATA / "longmemeval_oracle_dev.json"
CACHE = ROOT / "benchmarks" / ".cache"  # gitignored: embeddings of benchmark texts, rebuilt when missing
PACKAGES = (
    "agentmem",
    "numpy",
    "faiss-cpu",
    "torch",
    "sentence-transformers",
    "sqlalchemy",
    "langchain-classic",
    "langchain-community",
    "langchain-core",
    "mem0ai",
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured number, with what it measures and under which parameters."""

    name: str
    value: float
    unit: str
    parameters: dict[str, Any] = field(default_factory=dict)


def machine() -> dict[str, Any]:
    """Facts about this machine, and how busy it was (load average over 1, 5, 15 min) when a suite finished:
    the machine is shared, so timings are only comparable within one run."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def add_output_option(parser: argparse.ArgumentParser) -> None:
    """The ``--out DIR`` option every suite takes (see :func:`results_folder`)."""
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for the results (default: benchmarks/results; with --quick: benchmarks/results/quick)",
    )


def results_folder(out: Path | None, *, quick: bool) -> Path:
    """Where a suite writes: ``out`` if given, else the committed results, or their gitignored ``quick/``
    folder for a smoke run."""
    if out is not None:
        return out
    return QUICK_RESULTS if quick else RESULTS


def write_results(
    suite: str, figures: Sequence[Figure], *, parameters: dict[str, Any], quick: bool, out: Path | None = None
) -> Path:
    """Write ``<folder>/<suite>[-quick].json`` (folder: :func:`results_folder`) and return its path.

    A float that is not finite is written as ``null`` (JSON has no NaN): a figure that could not be measured.
    """
    folder = results_folder(out, quick=quick)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{suite}{'-quick' if quick else ''}.json"
    payload = {
        "suite": suite,
        "quick": quick,
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "parameters": parameters,
        "figures": [asdict(f) for f in figures],
        "versions": versions(),
        "machine": machine(),
    }
    path.write_text(json.dumps(_json_safe(payload), indent=2, allow_nan=False, default=str) + "\n")
    return path


def write_timed_results(
    suite: str,
    figures: Sequence[Figure],
    *,
    started: float,
    parameters: dict[str, Any],
    quick: bool,
    out: Path | None = None,
) -> tuple[Path, float]:
    """:func:`write_results` with a "benchmark runtime" figure (seconds since ``started``, a
    ``time.perf_counter()``) appended; returns the path and that runtime."""
    runtime = time.perf_counter() - started
    timed_figures = [*figures, Figure("benchmark runtime", runtime, "s", {"quick": quick})]
    return write_results(suite, timed_figures, parameters=parameters, quick=quick, out=out), runtime


def _json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def locomo_turns(path: Path = LOCOMO) -> list[dict[str, Any]]:
    """Every LoCoMo turn as {sample_id, dia_id, speaker, text, session, when}, in conversation order."""
    samples = json.loads(path.read_text())
    turns = []
    for sample in samples:
        conversation = sample["conversation"]
        sessions = sorted(
            (int(k.split("_")[1]) for k in conversation if k.startswith("session_") and k.count("_") == 1),
        )
        for n in sessions:
            when = datetime.strptime(conversation[f"session_{n}_date_time"], "%I:%M %p on %d %B, %Y")
            for turn in conversation[f"session_{n}"]:
                text = turn["text"]
                if turn.get("blip_caption"):
                    text = f"{text} [shares an image: {turn['blip_caption']}]"
                turns.append(
                    {
                        "sample_id": sample["sample_id"],
                        "dia_id": turn["dia_id"],
                        "speaker": turn["speaker"],
                        "text": text,
                        "session": n,
                        "when": when.replace(tzinfo=timezone.utc),
                    }
                )
    return turns


def cached_embeddings(texts: Sequence[str], *, embedder: Embedder, cache: Path = CACHE) -> NDArray[np.float32]:
    """Vectors of ``texts``, embedded once per (model, exact texts in order) and kept in ``cache`` as .npy.

    The file name is a hash of the model id and the texts, so any change to either embeds again; the
    model is not even loaded when every batch asked for is cached.
    """
    key = hashlib.sha256(json.dumps([embedder.model_id, list(texts)]).encode("utf-8")).hexdigest()[:40]
    path = cache / f"{key}.npy"
    if path.is_file():
        cached: NDArray[np.float32] = np.load(path)
        if cached.shape[0] == len(texts):
            return cached
    vectors = embedder.embed(list(texts))
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f"{key}.partial.npy"  # write then rename: an interrupted run leaves no half file
    np.save(partial, vectors)
    partial.replace(path)
    return vectors


def locomo_questions(path: Path = LOCOMO) -> list[dict[str, Any]]:
    """Every LoCoMo question as {sample_id, question, category, evidence}, in file order."""
    samples = json.loads(path.read_text())
    return [
        {
            "sample_id": s["sample_id"],
            "question": q["question"],
            "category": q["category"],
            "evidence": q.get("evidence", []),
        }
        for s in samples
        for q in s["qa"]
    ]


def rss_bytes() -> int:
    """Resident set size of this process now (psutil if installed, else /proc/self/status VmRSS)."""
    try:
        import psutil
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise
    return int(psutil.Process().memory_info().rss)
