from tests.support import db_url, embedder, index_kind, postgres_url

__all__ = ["db_url", "embedder", "index_kind", "postgres_url"]
