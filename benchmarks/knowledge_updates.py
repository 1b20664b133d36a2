"""Knowledge that changes: does recall put the NEW value above the OLD one? LongMemEval's knowledge updates.

    python -m benchmarks.knowledge_updates [--quick] [--out DIR]

Data: ``longmemeval_oracle_dev.json`` (232 questions; 38 of type ``knowledge-update``, each with two evidence
sessions: the older holds the old value, the newer the new one, which is the answer). Every user turn is a
memory (``created_at`` = its session's date; 364 of the 389 evidence turns are user turns, the assistant's
long answers are left out to keep the run short), sessions added in date order, one ``add_many`` each, with
the bundled all-MiniLM-L6-v2 (embeddings cached in ``benchmarks/.cache/``). The query is the question,
``retrieve(question, k=10, now=question date)`` with the store's defaults. Two settings: **per question**
(a store of that question's sessions) and **pooled** (every dev session in one store).

Configurations: ``defaults`` (today's: no supersession), ``explicit`` (where the data says which is newer:
each evidence turn of the newer session is added with ``supersedes`` = an evidence turn of the older),
``detector`` (``MemoryPolicy(updates=ValueChangeDetector(...))``), and the detector with recall's
``include_superseded=True`` (``superseded kept below``: an older version stays in recall, just below its
successor). The LLM judge is not measured (no model server here).

Figures, on the **report half** of the questions (the other half, chosen by a hash of the question id, tuned
the detector's two thresholds, grid below):

- ``new above old``: share of knowledge-update questions whose best new-value turn is in the top 10 and ranks
  above every old-value turn (a superseded turn is not returned: it ranks nowhere);
- ``new R@10``: share of new-value turns in the top 10, averaged over those questions;
- ``turn R@10 (all)``: share of evidence turns (the user turns marked ``has_answer``) in the top 10,
  averaged over every question of the half (the old-value turns of the knowledge updates count too:
  superseding them costs this figure by design), and the same without those old-value turns;
- the detector's flags: how many turns it superseded, how many of them are the old value of a
  knowledge-update question with the new value as successor, and on LoCoMo (each conversation a store,
  sessions in order) how many turns it superseded, with the pairs listed in the report for a reader.

Results: ``benchmarks/results/knowledge_updates[-quick].json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from agentmem import MemoryPolicy, MemoryStore, NewMemory, SentenceTransformerEmbedder, ValueChangeDetector
from benchmarks.common import LOCOMO, LONGMEMEVAL, Figure, add_output_option, results_folder, write_timed_results
from benchmarks.long_memory_data import LookupEmbedder

K = 10
KEPT = ", superseded kept below"
"""The configuration suffix for recall with ``include_superseded=True`` (each older version just below its
successor, marked "earlier ... until" in a prompt block)."""
NEIGHBOURS = (5, 20)
"""Neighbours compared per new memory, tried on the tuning half pooled."""
GRID = [(s, o) for s in (0.25, 0.35, 0.45) for o in (0.5, 0.6)]
"""(min_similarity, min_overlap) pairs tried on the tuning half."""


@dataclass(frozen=True, slots=True)
class Turn:
    session: str
    index: int
    text: str
    evidence: bool


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    when: datetime
    turns: tuple[Turn, ...]


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str
    text: str
    when: datetime
    sessions: tuple[str, ...]
    evidence: frozenset[tuple[str, int]]  # the user turns marked has_answer, of every session
    old: tuple[tuple[str, int], ...] = ()  # knowledge updates: evidence turns of the older session
    new: tuple[tuple[str, int], ...] = ()  # and of the newer one


@dataclass
class Outcome:
    new_above_old: list[bool] = field(default_factory=list)
    new_recall: list[float] = field(default_factory=list)
    turn_recall: list[float] = field(default_factory=list)
    turn_recall_without_old: list[float] = field(default_factory=list)
    flagged: int = 0
    flagged_right: int = 0


def _date(text: str) -> datetime:
    return datetime.strptime(text, "%Y/%m/%d (%a) %H:%M").replace(tzinfo=timezone.utc)


def load(path: Path) -> tuple[dict[str, Session], list[Question], list[Question]]:
    """Sessions by id, the questions of the tuning half and of the report half."""
    raw = json.loads(path.read_text())
    sessions: dict[str, Session] = {}
    tune, report = [], []
    for q in raw:
        evidence: dict[str, list[int]] = {}
        for sid, turns, date in zip(
            q["haystack_session_ids"], q["haystack_sessions"], q["haystack_dates"], strict=True
        ):
            users = [t for t in turns if t["role"] == "user" and t["content"].strip()]
            sessions[sid] = Session(
                sid,
                _date(date),
                tuple(Turn(sid, i, t["content"], bool(t.get("has_answer"))) for i, t in enumerate(users)),
            )
            evidence[sid] = [i for i, t in enumerate(users) if t.get("has_answer")]
        ordered = sorted(q["haystack_session_ids"], key=lambda s: sessions[s].when)
        old: tuple[tuple[str, int], ...] = ()
        new: tuple[tuple[str, int], ...] = ()
        if q["question_type"] == "knowledge-update" and len(ordered) >= 2:
            old = tuple((ordered[0], i) for i in evidence[ordered[0]])
            new = tuple((ordered[-1], i) for i in evidence[ordered[-1]])
        question = Question(
            q["question_id"],
            q["question_type"],
            q["question"],
            _date(q["question_date"]),
            tuple(ordered),
            frozenset((sid, i) for sid, found in evidence.items() for i in found),
            old,
            new,
        )
        if q["question_id"].endswith("_abs"):
            continue
        half = hashlib.sha256(q["question_id"].encode()).digest()[0] % 2
        (tune if half == 0 else report).append(question)
    return sessions, tune, report


def build(
    embedder: LookupEmbedder,
    sessions: Sequence[Session],
    updates: Sequence[Question],
    *,
    config: str,
    detector: ValueChangeDetector | None,
) -> tuple[MemoryStore, dict[tuple[str, int], int], list[tuple[int, int, str]]]:
    """A store of ``sessions`` (in date order) under ``config``; the memory id of every turn, and what was
    superseded: (old id, new id, reason)."""
    policy = MemoryPolicy(updates=detector) if config.startswith("detector") else MemoryPolicy()
    store = MemoryStore.open(":memory:", embedder=embedder, policy=policy)
    ids: dict[tuple[str, int], int] = {}
    replaced: dict[tuple[str, int], tuple[str, int]] = {}
    if config == "explicit":
        for q in updates:
            replaced.update(dict(zip(q.new, q.old, strict=False)))
    superseded: list[tuple[int, int, str]] = []
    for s in sorted(sessions, key=lambda s: s.when):
        items = [
            NewMemory(t.text, created_at=s.when, supersedes=ids.get(replaced.get((s.id, t.index), ("", -1))))
            for t in s.turns
        ]
        for t, outcome in zip(s.turns, store.add_detailed(items), strict=True):
            ids[(s.id, t.index)] = outcome.memory.id
            if outcome.superseded is not None:
                superseded.append((outcome.superseded.id, outcome.memory.id, outcome.reason))
    return store, ids, superseded


def measure(
    config: str,
    store: MemoryStore,
    ids: dict[tuple[str, int], int],
    superseded: list[tuple[int, int, str]],
    questions: Sequence[Question],
    outcome: Outcome,
) -> None:
    pairs = {(o, n) for o, n, _ in superseded}
    for q in questions:
        below = config.endswith(KEPT)
        top = [m.memory.id for m in store.retrieve(q.text, k=K, now=q.when, include_superseded=below)]
        rank = {memory_id: r for r, memory_id in enumerate(top)}
        evidence = [ids[e] for e in q.evidence if e in ids]
        if evidence:
            outcome.turn_recall.append(sum(e in rank for e in evidence) / len(evidence))
            kept = [ids[e] for e in q.evidence - set(q.old) if e in ids]
            if kept:
                outcome.turn_recall_without_old.append(sum(e in rank for e in kept) / len(kept))
        if not q.new or not q.old:
            continue
        new = [ids[e] for e in q.new if e in ids]
        old = [ids[e] for e in q.old if e in ids]
        best_new = min((rank[i] for i in new if i in rank), default=K)
        best_old = min((rank[i] for i in old if i in rank), default=K)
        outcome.new_above_old.append(best_new < K and best_new < best_old)
        outcome.new_recall.append(sum(i in rank for i in new) / len(new) if new else 0.0)
        outcome.flagged_right += any((o, n) in pairs for o in old for n in new)


def run_setting(
    embedder: LookupEmbedder,
    sessions: dict[str, Session],
    questions: Sequence[Question],
    *,
    config: str,
    detector: ValueChangeDetector | None,
    pooled: bool,
) -> Outcome:
    outcome = Outcome()
    updates = [q for q in questions if q.new]
    if pooled:
        store, ids, superseded = build(embedder, list(sessions.values()), updates, config=config, detector=detector)
        with store:
            measure(config, store, ids, superseded, questions, outcome)
        outcome.flagged = len(superseded)
        return outcome
    for q in questions:
        mine = [sessions[s] for s in q.sessions]
        store, ids, superseded = build(embedder, mine, [q] if q.new else [], config=config, detector=detector)
        with store:
            measure(config, store, ids, superseded, [q], outcome)
        outcome.flagged += len(superseded)
    return outcome


def locomo_flags(embedder: LookupEmbedder, detector: ValueChangeDetector, limit: int | None) -> list[dict[str, str]]:
    """What the detector supersedes on LoCoMo (every turn a memory, each conversation a store)."""
    samples = json.loads(LOCOMO.read_text())[:limit]
    flags: list[dict[str, str]] = []
    for sample in samples:
        conversation = sample["conversation"]
        numbers = sorted(int(k.split("_")[1]) for k in conversation if k.startswith("session_") and "date" not in k)
        with MemoryStore.open(":memory:", embedder=embedder, policy=MemoryPolicy(updates=detector)) as store:
            texts: dict[int, str] = {}
            for n in numbers:
                turns = conversation.get(f"session_{n}") or []
                when = datetime.strptime(conversation[f"session_{n}_date_time"], "%I:%M %p on %d %B, %Y")
                items = [
                    NewMemory(f"{t['speaker']}: {t['text']}", created_at=when.replace(tzinfo=timezone.utc))
                    for t in turns
                ]
                for outcome in store.add_detailed(items):
                    texts[outcome.memory.id] = outcome.memory.text
                    if outcome.superseded is not None:
                        flags.append(
                            {
                                "conversation": sample["sample_id"],
                                "old": outcome.superseded.text,
                                "new": outcome.memory.text,
                                "reason": outcome.reason,
                            }
                        )
    return flags


def _share(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few questions, one grid point (CI smoke)")
    add_output_option(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sessions, tune, report = load(LONGMEMEVAL)
    if args.quick:
        keep = {q.id for q in [*[q for q in report if q.new][:4], *[q for q in report if not q.new][:4]]}
        report = [q for q in report if q.id in keep]
        tune = [q for q in tune if q.new][:3]
        sessions = {s: sessions[s] for q in [*report, *tune] for s in q.sessions}
    embedder = LookupEmbedder(SentenceTransformerEmbedder())
    embedder.warm([t.text for s in sessions.values() for t in s.turns] + [q.text for q in [*tune, *report]])
    grid = GRID[3:4] if args.quick else GRID
    base = run_setting(embedder, sessions, tune, config="defaults", detector=None, pooled=False)
    baseline = {"new_above_old": _share(base.new_above_old), "turn_recall": _share(base.turn_recall_without_old)}
    tuning = []
    for similarity, overlap in grid:
        detector = ValueChangeDetector(min_similarity=similarity, min_overlap=overlap)
        o = run_setting(embedder, sessions, tune, config="detector", detector=detector, pooled=False)
        tuning.append({"min_similarity": similarity, "min_overlap": overlap, "new_above_old": _share(o.new_above_old),
                       "turn_recall": _share(o.turn_recall_without_old), "flagged": o.flagged})  # fmt: skip
    # The best on the tuning half: new above old first, then fewer flags (each flag that is not an update
    # hides a memory), then the evidence recall.
    best = max(tuning, key=lambda t: (round(t["new_above_old"], 3), -t["flagged"], t["turn_recall"]))
    # How many neighbours to compare matters only when the store is large: chosen pooled, the same way.
    pooled_tuning = []
    for neighbours in NEIGHBOURS[-1:] if args.quick else NEIGHBOURS:
        detector = ValueChangeDetector(min_similarity=best["min_similarity"], min_overlap=best["min_overlap"],
                                       neighbours=neighbours)  # fmt: skip
        o = run_setting(embedder, sessions, tune, config="detector", detector=detector, pooled=True)
        pooled_tuning.append({"neighbours": neighbours, "new_above_old": _share(o.new_above_old),
                              "turn_recall": _share(o.turn_recall_without_old), "flagged": o.flagged})  # fmt: skip
    chosen = max(pooled_tuning, key=lambda t: (round(t["new_above_old"], 3), -t["flagged"], t["turn_recall"]))
    best = {**best, "neighbours": chosen["neighbours"]}
    detector = ValueChangeDetector(
        min_similarity=best["min_similarity"], min_overlap=best["min_overlap"], neighbours=best["neighbours"]
    )
    figures: list[Figure] = []
    table: dict[str, dict[str, Any]] = {}
    for pooled in (False, True):
        setting = "pooled" if pooled else "per question"
        for config in ("defaults", "explicit", "detector", f"detector{KEPT}"):
            o = run_setting(embedder, sessions, report, config=config, detector=detector, pooled=pooled)
            row = {
                "new above old": _share(o.new_above_old),
                "new R@10": _share(o.new_recall),
                "turn R@10 (all)": _share(o.turn_recall),
                "turn R@10 (without old-value turns)": _share(o.turn_recall_without_old),
                "superseded turns": float(o.flagged),
                "knowledge updates found": float(o.flagged_right),
                "knowledge-update questions": float(len(o.new_above_old)),
            }
            table[f"{setting} / {config}"] = row
            figures += [Figure(name, value, "share" if "R@" in name or "above" in name else "count",
                               {"setting": setting, "config": config}) for name, value in row.items()]  # fmt: skip
    flags = locomo_flags(embedder, detector, 2 if args.quick else None)
    figures.append(Figure("locomo superseded turns", float(len(flags)), "count", {"config": "detector"}))
    parameters = {"k": K, "report questions": len(report), "tuning questions": len(tune), "grid": grid,
                  "chosen": best, "tuning": tuning, "tuning defaults": baseline,
                  "pooled tuning": pooled_tuning, "memories": "user turns"}  # fmt: skip
    path, runtime = write_timed_results(
        "knowledge_updates", figures, started=started, parameters=parameters, quick=args.quick, out=args.out
    )
    folder = results_folder(args.out, quick=args.quick)
    (folder / f"knowledge_updates{'-quick' if args.quick else ''}.md").write_text(
        _report(table, tuning, pooled_tuning, baseline, best, flags, report, runtime)
    )
    print(path)


def _report(
    table: dict[str, dict[str, Any]],
    tuning: list[dict[str, Any]],
    pooled_tuning: list[dict[str, Any]],
    baseline: dict[str, float],
    best: dict[str, Any],
    flags: list[dict[str, str]],
    report: Sequence[Question],
    runtime: float,
) -> str:
    names = list(next(iter(table.values())))
    lines = [
        "# Knowledge updates (LongMemEval dev, knowledge-update questions)",
        "",
        f"Report half: {len(report)} questions with evidence, {sum(1 for q in report if q.new)} of them knowledge "
        f"updates; top {K}, store defaults, user turns as memories (see `benchmarks/knowledge_updates.py`). "
        f"Detector thresholds tuned on the other half: min_similarity {best['min_similarity']}, min_overlap "
        f"{best['min_overlap']}, neighbours {best['neighbours']}. The LLM judge is not measured (no model server "
        f"here). Runtime {runtime:.0f} s.",
        "",
        "| setting / config | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, row in table.items():
        cells = [f"{v:.3f}" if (isinstance(v, float) and v != int(v)) or "R@" in n or "above" in n else f"{v:.0f}"
                 for n, v in row.items()]  # fmt: skip
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines += ["", "## Tuning half (per question, detector)", "", "turn R@10 without the old-value turns; store "
              f"defaults on this half: new above old {baseline['new_above_old']:.3f}, turn R@10 "
              f"{baseline['turn_recall']:.3f}.", "", "| min_similarity | min_overlap | new above old | "
              "turn R@10 | superseded |", "|---|---|---|---|---|"]  # fmt: skip
    lines += [f"| {t['min_similarity']} | {t['min_overlap']} | {t['new_above_old']:.3f} | {t['turn_recall']:.3f} | "
              f"{t['flagged']} |" for t in tuning]  # fmt: skip
    lines += ["", "## Tuning half, pooled (the chosen thresholds; neighbours compared per new memory)", "",
              "| neighbours | new above old | turn R@10 | superseded |", "|---|---|---|---|"]  # fmt: skip
    lines += [f"| {t['neighbours']} | {t['new_above_old']:.3f} | {t['turn_recall']:.3f} | {t['flagged']} |"
              for t in pooled_tuning]  # fmt: skip
    lines += ["", f"## LoCoMo: {len(flags)} turns superseded by the detector", "",
              "Every pair, for a reader to judge (old → new, the detector's reason):", ""]  # fmt: skip
    for f in flags:
        lines.append(f"- {f['conversation']}: “{_clip(f['old'])}” → “{_clip(f['new'])}” ({f['reason']})")
    return "\n".join(lines) + "\n"


def _clip(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


if __name__ == "__main__":
    main()
