from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from agentmem.embedders.hashing import HashingEmbedder
from agentmem.errors import ConfigError
from agentmem.types import Embedder

TEXTS = [
    "The cat sat on the mat",
    "Quarterly revenue rose 12%",
    "",
    "¡Hola, señor Müller!",
    "日本語のテキスト",
]


def test_shape_dtype_and_unit_norm() -> None:
    vectors = HashingEmbedder(32).embed(TEXTS)

    assert vectors.shape == (len(TEXTS), 32)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)


def test_empty_batch_has_zero_rows() -> None:
    vectors = HashingEmbedder(48).embed([])

    assert vectors.shape == (0, 48)
    assert vectors.dtype == np.float32


def test_model_id_and_dimensions() -> None:
    embedder: Embedder = HashingEmbedder(128)

    assert embedder.model_id == "hashing-128"
    assert embedder.dimensions == 128
    assert HashingEmbedder().dimensions == 64


def test_same_text_same_vector_in_any_batch() -> None:
    embedder = HashingEmbedder()
    alone = embedder.embed(["The cat sat on the mat"])
    batch = embedder.embed(["something else", "The cat sat on the mat"])

    np.testing.assert_array_equal(alone[0], batch[1])


def test_vectors_are_pinned() -> None:
    # Stored vectors outlive the process: if this changes, give the new algorithm a new model_id.
    expected = [0.26968, 0, 0, 0.40452, 0, 0.13484, -0.40452, 0.26968]
    expected += [0.40452, 0, 0.13484, 0.26968, 0.13484, 0, 0.26968, -0.40452]

    vector = HashingEmbedder(16).embed(["The cat sat on the mat"])[0]

    np.testing.assert_allclose(vector, expected, atol=1e-5)


@pytest.mark.parametrize("seed", ["0", "12345"])
def test_deterministic_across_processes(seed: str) -> None:
    # Python's str hash() is salted per process; a different PYTHONHASHSEED would expose any use of it.
    code = (
        "import sys; from agentmem import HashingEmbedder; "
        "sys.stdout.write(HashingEmbedder(64).embed(sys.argv[1:]).tobytes().hex())"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run([sys.executable, "-c", code, *TEXTS], env=env, capture_output=True, text=True, check=True)

    other = np.frombuffer(bytes.fromhex(result.stdout), dtype=np.float32).reshape(len(TEXTS), 64)
    np.testing.assert_array_equal(other, HashingEmbedder(64).embed(TEXTS))


def test_case_and_punctuation_do_not_matter() -> None:
    vectors = HashingEmbedder().embed(["Hello, World!", "hello world"])

    np.testing.assert_array_equal(vectors[0], vectors[1])


def test_featureless_texts_share_one_unit_vector() -> None:
    vectors = HashingEmbedder().embed(["", "   ", "?!", "hello"])

    np.testing.assert_array_equal(vectors[0], vectors[1])
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0)
    assert not np.array_equal(vectors[0], vectors[3])


def test_similar_texts_score_higher_than_unrelated() -> None:
    embedder = HashingEmbedder(256)
    query, similar, inflected, unrelated = embedder.embed(
        [
            "the cat sat on the mat",
            "a cat was sitting on the mat",
            "cats sit on mats",
            "quarterly revenue exceeded analyst forecasts",
        ]
    )

    assert query @ similar > query @ unrelated + 0.3
    assert query @ inflected > query @ unrelated
    assert abs(float(query @ unrelated)) < 0.25


@pytest.mark.parametrize("dimensions", [0, -3, 2.5, True, "64"])
def test_bad_dimensions_raise_config_error(dimensions: Any) -> None:
    with pytest.raises(ConfigError, match="dimensions"):
        HashingEmbedder(dimensions)


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ("a bare string", "wrap a single text in a list"),
        (b"bytes", "sequence of str"),
        (["ok", 3], "item 1 is int"),
        (["ok", None], "item 1 is NoneType"),
        ({"a set"}, "sequence of str"),
    ],
)
def test_bad_texts_raise_config_error(texts: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        HashingEmbedder().embed(texts)
