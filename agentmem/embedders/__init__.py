"""Embedders: text to unit-norm float32 vectors.

Importing this package stays cheap: torch and sentence-transformers are imported only when
:class:`SentenceTransformerEmbedder` first needs its model.
"""
