"""torch's thread count around agentmem's encode calls, in a process where FAISS also set OpenMP's (checked in
a fresh process: what happens depends on torch being loaded before faiss, as when a model loads first)."""

from __future__ import annotations

import json
import subprocess
import sys

_SCRIPT = r"""
import json
import torch

# torch loaded and run first, as when the model loads before any index: faiss then shares torch's OpenMP.
torch.set_num_threads(2)  # OpenMP and MKL at 2, as a 2-core machine starts
torch.ones(256, 256) @ torch.ones(256, 256)
import faiss
from agentmem.embedders.threads import torch_threads

def mkl():
    line = next(x for x in torch.__config__.parallel_info().splitlines() if "mkl_get_max_threads()" in x)
    return int(line.rsplit(":", 1)[1])

faiss.omp_set_num_threads(1)  # what agentmem's index does: OpenMP's count alone drops to 1
seen = {"torch_reads": torch.get_num_threads(), "mkl_before": mkl()}
with torch_threads(1):
    seen["mkl_during"] = mkl()
seen["torch_after"] = torch.get_num_threads()
print(json.dumps(seen))
"""


def test_the_count_is_set_for_mkl_too_when_openmp_already_reads_it() -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert (seen["torch_reads"], seen["mkl_before"]) == (1, 2)  # the state FAISS leaves behind
    # Else every matrix product of the encode spreads over 2 spinning threads: 8x the CPU, measured.
    assert seen["mkl_during"] == 1
    assert seen["torch_after"] == 1  # the host's count, as read before, given back
