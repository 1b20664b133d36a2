"""A BERT encoder's forward pass in numpy: the operations torch runs for :mod:`agentmem.embedders.minilm`.

Small calls (a query, a short observation) run here, so that a process that embeds one query never imports
torch: ``import torch`` is most of a cold ``agentmem recall`` (``benchmarks/cold_start.py``), and for a few dozen
tokens numpy is as fast as torch. The operations are torch's, in its order and in float32: embeddings, layer
norm, per-head scaled dot-product attention with padding keys at the dtype's minimum, exact GELU, mean pooling
over real tokens, L2 normalisation. Vectors agree with torch's within 1e-6 (``tests/embedders/test_minilm.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["BertShape", "forward"]

_Array = NDArray[np.float32]

# Abramowitz & Stegun 7.1.26: |erf(x) - approximation| <= 1.5e-7 for every x, evaluated in float64, about one
# float32 ulp of erf near 1. numpy has no erf of its own (scipy's costs its import).
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


@dataclass(frozen=True, slots=True)
class BertShape:
    """The sizes a BERT forward pass needs, from the model's ``config.json`` and ``sentence_bert_config.json``."""

    layers: int
    heads: int
    hidden: int
    eps: float
    max_tokens: int


def forward(weights: Mapping[str, _Array], shape: BertShape, ids: NDArray[np.int64], mask: _Array) -> _Array:
    """Unit-norm mean-pooled embeddings of one padded batch.

    Args:
        weights: the model's tensors by their safetensors names, float32.
        shape: the model's sizes.
        ids: ``(batch, width)`` token ids, zero-padded.
        mask: ``(batch, width)`` 1.0 for real tokens, 0.0 for padding.

    Returns:
        A ``(batch, hidden)`` float32 array with unit-norm rows.
    """
    w = weights
    width = ids.shape[1]
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.token_type_embeddings.weight"][0]
        + w["embeddings.position_embeddings.weight"][:width]
    )
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], shape.eps)
    bias = np.where(mask[:, None, None, :] > 0, np.float32(0.0), np.finfo(np.float32).min).astype(np.float32)
    for layer in range(shape.layers):
        x = _layer(x, bias, w, shape, f"encoder.layer.{layer}.")
    weight = mask[:, :, None]
    pooled = (x * weight).sum(axis=1) / np.maximum(weight.sum(axis=1), np.float32(1e-9))
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
    return np.asarray(pooled / norms, dtype=np.float32)


def _layer(x: _Array, bias: _Array, w: Mapping[str, _Array], shape: BertShape, prefix: str) -> _Array:
    batch, width, hidden = x.shape
    heads, size = shape.heads, hidden // shape.heads

    def project(name: str) -> _Array:
        y = _linear(x, w, f"{prefix}attention.self.{name}")
        return np.asarray(y.reshape(batch, width, heads, size).transpose(0, 2, 1, 3), dtype=np.float32)

    scores = (project("query") @ project("key").transpose(0, 1, 3, 2)) * np.float32(1.0 / math.sqrt(size)) + bias
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    attention = scores / scores.sum(axis=-1, keepdims=True)
    context = (attention @ project("value")).transpose(0, 2, 1, 3).reshape(batch, width, hidden)
    attended = _linear(context, w, f"{prefix}attention.output.dense")
    x = _layer_norm(
        attended + x,
        w[f"{prefix}attention.output.LayerNorm.weight"],
        w[f"{prefix}attention.output.LayerNorm.bias"],
        shape.eps,
    )
    inner = _gelu(_linear(x, w, f"{prefix}intermediate.dense"))
    out = _linear(inner, w, f"{prefix}output.dense")
    return _layer_norm(out + x, w[f"{prefix}output.LayerNorm.weight"], w[f"{prefix}output.LayerNorm.bias"], shape.eps)


def _linear(x: _Array, w: Mapping[str, _Array], name: str) -> _Array:
    return np.asarray(x @ w[f"{name}.weight"].T + w[f"{name}.bias"], dtype=np.float32)


def _layer_norm(x: _Array, gain: _Array, shift: _Array, eps: float) -> _Array:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return np.asarray(centred / np.sqrt(variance + np.float32(eps)) * gain + shift, dtype=np.float32)


def _gelu(x: _Array) -> _Array:
    return np.asarray(
        np.float32(0.5) * x * (np.float32(1.0) + _erf(x * np.float32(1.0 / math.sqrt(2.0)))), dtype=np.float32
    )


def _erf(x: _Array) -> _Array:
    a = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + _P * a)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    return np.asarray(np.copysign(1.0 - poly * np.exp(-a * a), x), dtype=np.float32)
