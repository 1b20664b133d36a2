"""SQL storage: the truth every vector index is rebuilt from."""
