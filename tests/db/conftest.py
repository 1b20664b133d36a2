from tests.support import postgres_url

__all__ = ["postgres_url"]
