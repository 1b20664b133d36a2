"""The life of a FAISS kind that must be trained on the data it indexes (``ivf``, ``sq8``).

Training on a handful of vectors gives a useless quantizer, and the first upsert of a new namespace is
often one vector. So such an index starts *exact*, as ``IndexIDMap2(IndexFlatIP)`` (searched exhaustively,
:meth:`~FaissBackedIndex.matrix` available), and once it holds ``min_train`` vectors it trains on all of
them and moves them over. A rebuild from SQL upserts everything at once, so it trains on the whole
namespace. A kind may also retrain when the index has grown :attr:`TrainedIndex.retrain_growth` times
since it was trained, from the vectors it holds.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from agentmem.index.base import check_setting
from agentmem.index.faiss_backed import BYTES_PER_ID, FaissBackedIndex, flat_inner
from agentmem.index.faiss_runtime import _faiss

__all__ = ["TrainedIndex"]


class TrainedIndex(FaissBackedIndex):
    """Exact until ``min_train`` vectors, then trained (see the module doc); subclasses build the trained index.

    Attributes:
        version: the namespace version this index reflects (0 when new).
        retrain_growth: retrain when the size reaches this multiple of the size at training (None: never).
    """

    retrain_growth: ClassVar[float | None] = None

    def __init__(self, dimensions: int, *, min_train: int) -> None:
        """Create an empty index, exact until it holds ``min_train`` vectors.

        Raises:
            ConfigError: if dimensions or min_train is not a positive integer.
        """
        self._min_train = check_setting(min_train, "min_train")
        self._trained_size = 0
        super().__init__(dimensions)

    @property
    def trained(self) -> bool:
        """False while the index is still exact (fewer than ``min_train`` vectors so far)."""
        return self._trained_size > 0

    @property
    def trained_size(self) -> int:
        """How many vectors the current training used (0 while exact)."""
        return self._trained_size

    def matrix(self) -> tuple[NDArray[np.int64], NDArray[np.float32]] | None:
        """The exact rows while untrained, else None (see :meth:`FaissBackedIndex.matrix`)."""
        return None if self.trained else super().matrix()

    def memory_bytes(self) -> int:
        """Approximate resident bytes (flat while exact, then the trained index's estimate)."""
        if not self.trained:
            return len(self) * (4 * self._dimensions + BYTES_PER_ID)
        return self._trained_memory_bytes()

    def _trained_memory_bytes(self) -> int:
        raise NotImplementedError

    def _build(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> Any:
        """A FAISS index trained on ``vectors`` and holding them under ``ids``."""
        raise NotImplementedError

    def _accepts_trained(self, restored: Any) -> bool:
        raise NotImplementedError

    def _contents(self) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Every id and its vector, to train on (views are fine: they are copied before the swap).

        The exact rows while untrained; a kind that retrains reads its trained index by overriding this.
        """
        matrix = self.matrix()
        if matrix is None:
            raise NotImplementedError(f"{type(self).__name__} cannot read its vectors back to retrain")
        return matrix

    def _new_index(self) -> Any:
        faiss = _faiss()
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self._dimensions))

    def _params(self) -> dict[str, int]:
        return {"min_train": self._min_train, "trained_size": self._trained_size}

    def _accepts(self, restored: Any) -> bool:
        return flat_inner(restored) is not None or self._accepts_trained(restored)

    def _adopt(self, restored: Any) -> None:
        super()._adopt(restored)
        if flat_inner(restored) is not None:
            self._trained_size = 0
        elif not self._trained_size:
            # A header without the size: any positive value keeps it trained; retraining waits for growth.
            self._trained_size = max(len(self), 1)

    def _after_change(self) -> None:
        size = len(self)
        if not self.trained:
            if size >= self._min_train:
                self._train()
        elif self.retrain_growth is not None and size >= self.retrain_growth * self._trained_size:
            self._train()

    def _train(self) -> None:
        ids, vectors = self._contents()
        self._index = self._build(ids, vectors)
        self._trained_size = len(ids)
