"""The bundled all-MiniLM-L6-v2 run without sentence-transformers: numpy for small calls, torch for batches.

``import sentence_transformers`` pulls in transformers' model zoo, scipy and scikit-learn, and ``import torch``
alone is most of what is left of a cold process's time (``benchmarks/cold_start.py``). The bundled model is a
plain 6-layer BERT encoder followed by mean pooling and L2 normalisation (its ``modules.json``), so this module
runs exactly that: the same tokenizer file, the same weights, the same operations in the same order, batched the
way ``SentenceTransformer.encode`` batches (longest texts first, each batch padded to its longest). A batch of at
most :data:`NUMPY_TOKENS` padded tokens (a query, a short observation) runs in numpy
(:mod:`agentmem.embedders.bert_numpy`), where it is as fast as torch; larger batches run in torch, imported on
the first of them. Both paths' vectors match sentence-transformers' within 1e-6
(``tests/embedders/test_minilm.py``). Other models keep sentence-transformers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from agentmem.embedders import bert_numpy
from agentmem.embedders.bert_numpy import BertShape
from agentmem.embedders.threads import blas_threads, torch_threads

if TYPE_CHECKING:
    import torch

__all__ = ["NUMPY_TOKENS", "MiniLMEncoder", "is_plain_bert_mean_folder"]

NUMPY_TOKENS = 64
"""Padded tokens (rows times width) up to which a batch runs in numpy rather than torch.

Measured on the 2-core target, one thread each: 22 tokens 14.9 ms in numpy, 16.8 ms in torch; from ~80 tokens
on numpy takes about twice torch's time."""

_MODULES = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
)


def is_plain_bert_mean_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a sentence-transformers model this module runs exactly.

    That is: modules Transformer → Pooling (mean only) → Normalize, a BERT config with absolute positions and
    exact GELU, ``model.safetensors`` and ``tokenizer.json``.

    Args:
        folder: a sentence-transformers model folder.

    Returns:
        True when :class:`MiniLMEncoder` gives the same vectors as sentence-transformers for it.
    """
    modules = _read_json(folder / "modules.json")
    config = _read_json(folder / "config.json")
    pooling = _read_json(folder / "1_Pooling" / "config.json")
    if not isinstance(modules, list) or not isinstance(config, dict) or not isinstance(pooling, dict):
        return False
    kinds = tuple(module.get("type") for module in modules if isinstance(module, dict))
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode_") and value is True}
    return (
        kinds == _MODULES
        and modes == {"pooling_mode_mean_tokens"}
        and config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
        and isinstance(_read_json(folder / "sentence_bert_config.json"), dict)
    )


class MiniLMEncoder:
    """A BERT sentence encoder with mean pooling and unit-norm output, read from a sentence-transformers folder.

    Args:
        folder: a folder for which :func:`is_plain_bert_mean_folder` holds.
        device: torch device of the batches that run in torch; small batches run in numpy when it is ``cpu``.
    """

    def __init__(self, folder: Path, *, device: str) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = _read_json(folder / "config.json")
        settings = _read_json(folder / "sentence_bert_config.json")
        self._shape = BertShape(
            layers=int(config["num_hidden_layers"]),
            heads=int(config["num_attention_heads"]),
            hidden=int(config["hidden_size"]),
            eps=float(config["layer_norm_eps"]),
            max_tokens=int(settings["max_seq_length"]),
        )
        self._device = device
        self._weights = {
            name: np.ascontiguousarray(array, dtype=np.float32)
            for name, array in load_file(str(folder / "model.safetensors")).items()
            if not name.startswith("pooler.")  # sentence-transformers pools tokens itself, never BERT's pooler
        }
        self._torch_weights: dict[str, torch.Tensor] | None = None
        self._torch_lock = threading.Lock()
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The file ships fixed 128-token padding and truncation; sentence-transformers replaces both with its
        # max_seq_length and padding to the longest text of each batch.
        tokenizer.enable_truncation(self._shape.max_tokens)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self.dimensions = self._shape.hidden
        self.max_tokens = self._shape.max_tokens

    def encode(self, texts: Sequence[str], batch_size: int, threads: int) -> NDArray[np.float32]:
        """Unit-norm embeddings of ``texts``, in their order.

        Args:
            texts: non-empty list of strings.
            batch_size: texts per forward pass.
            threads: BLAS or torch threads for this call (given back after).

        Returns:
            A ``(len(texts), dimensions)`` float32 array.
        """
        # sentence-transformers' order: longest first by character count, so each batch pads little.
        order = np.argsort([-len(text) for text in texts])
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chosen = order[start : start + batch_size]
            ids, mask = _padded(self._tokenizer.encode_batch([texts[i] for i in chosen]))
            if ids.size <= NUMPY_TOKENS and self._device == "cpu":
                with blas_threads(threads):
                    out[chosen] = bert_numpy.forward(self._weights, self._shape, ids, mask)
            else:
                with torch_threads(threads):
                    out[chosen] = self._forward_torch(ids, mask)
        return out

    def _forward_torch(self, ids_array: NDArray[np.int64], mask_array: NDArray[np.float32]) -> NDArray[np.float32]:
        import torch
        import torch.nn.functional as functional

        w = self._weights_on_torch()
        with torch.inference_mode():
            ids = torch.from_numpy(ids_array).to(self._device)
            mask = torch.from_numpy(mask_array).to(self._device)
            width = ids.shape[1]
            hidden = self._shape.hidden
            x = (
                functional.embedding(ids, w["embeddings.word_embeddings.weight"])
                + w["embeddings.token_type_embeddings.weight"][0]
                + w["embeddings.position_embeddings.weight"][:width]
            )
            x = functional.layer_norm(
                x, (hidden,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self._shape.eps
            )
            # Padding keys are masked with the dtype's minimum, as transformers' BERT does.
            keep = mask[:, None, None, :].to(torch.bool)
            bias = torch.zeros(keep.shape, dtype=x.dtype, device=x.device).masked_fill(~keep, torch.finfo(x.dtype).min)
            for layer in range(self._shape.layers):
                x = self._layer(x, bias, w, f"encoder.layer.{layer}.")
            weights = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * weights).sum(1) / torch.clamp(weights.sum(1), min=1e-9)
            vectors: NDArray[np.float32] = functional.normalize(pooled, p=2, dim=1).cpu().numpy()
        return vectors

    def _weights_on_torch(self) -> dict[str, torch.Tensor]:
        import torch

        with self._torch_lock:
            if self._torch_weights is None:
                # On the CPU the tensors share the numpy arrays' memory: the model is held once.
                self._torch_weights = {
                    name: torch.from_numpy(array).to(self._device) for name, array in self._weights.items()
                }
            return self._torch_weights

    def _layer(self, x: torch.Tensor, bias: torch.Tensor, w: dict[str, torch.Tensor], prefix: str) -> torch.Tensor:
        import torch.nn.functional as functional

        batch, width, hidden = x.shape
        heads = self._shape.heads

        def project(name: str) -> torch.Tensor:
            y = functional.linear(
                x, w[f"{prefix}attention.self.{name}.weight"], w[f"{prefix}attention.self.{name}.bias"]
            )
            return y.view(batch, width, heads, hidden // heads).transpose(1, 2)

        context = functional.scaled_dot_product_attention(
            project("query"), project("key"), project("value"), attn_mask=bias
        )
        context = context.transpose(1, 2).reshape(batch, width, hidden)
        attended = functional.linear(
            context, w[f"{prefix}attention.output.dense.weight"], w[f"{prefix}attention.output.dense.bias"]
        )
        x = functional.layer_norm(
            attended + x,
            (hidden,),
            w[f"{prefix}attention.output.LayerNorm.weight"],
            w[f"{prefix}attention.output.LayerNorm.bias"],
            self._shape.eps,
        )
        inner = functional.gelu(
            functional.linear(x, w[f"{prefix}intermediate.dense.weight"], w[f"{prefix}intermediate.dense.bias"])
        )
        out = functional.linear(inner, w[f"{prefix}output.dense.weight"], w[f"{prefix}output.dense.bias"])
        return functional.layer_norm(
            out + x,
            (hidden,),
            w[f"{prefix}output.LayerNorm.weight"],
            w[f"{prefix}output.LayerNorm.bias"],
            self._shape.eps,
        )


def _padded(encodings: list[Any]) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    width = max(len(encoding.ids) for encoding in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.float32)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1.0
    return ids, mask


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
