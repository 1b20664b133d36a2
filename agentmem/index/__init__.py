"""Vector indexes: int64 memory ids → unit-norm float32 vectors, searched by inner product.

An index is a cache of what SQL holds: it records the namespace ``version`` it reflects, is saved
atomically, and when its file is missing or corrupt it is rebuilt from the stored vectors.

Five kinds share one contract (:class:`VectorIndex`) and one file format; faiss is imported on first use:

- ``"exact"``: :class:`ExactIndex`, plain numpy; the reference the other kinds are checked against.
- ``"faiss"``: :class:`FaissIndex`, ``IndexIDMap2(IndexFlatIP)``, exact.
- ``"hnsw"``: :class:`HnswIndex`, an HNSW graph (M 32, efSearch 64): approximate, ~1 ms at 1M.
- ``"ivf"``: :class:`IvfIndex`, IVF-Flat (nprobe 128): approximate once it holds 10,000 vectors.
- ``"sq8"``: :class:`Sq8Index`, 8-bit scalar quantization: exhaustive, a quarter of the memory,
  approximate scores once it holds 1,000 vectors.

``matrix()`` gives the exact rows of the kinds that store them (``exact``, ``faiss``, and ``ivf``/``sq8``
while still untrained), for one matrix-vector product instead of a search.
"""
