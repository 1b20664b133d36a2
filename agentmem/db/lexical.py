"""Lexical (BM25-style) search over memory text, so names, numbers and rare words that embeddings blur are found.

Revision 0002 builds the index: on SQLite an FTS5 external-content table over ``agentmem_memories`` kept in
sync by triggers, on PostgreSQL a GIN index on ``to_tsvector('simple', text)``. Neither is in the models
(SQLAlchemy cannot describe them), so schema comparisons skip them by name (:data:`LEXICAL_OBJECTS`).

A query is never handed to the database's query parser as written: :func:`lexical_terms` reduces it to
letter/digit words, and each word is quoted (FTS5) or is already free of every tsquery operator (PostgreSQL),
then the words are OR-ed, so any of them may match and the ranking decides.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

__all__ = [
    "FTS_TABLE",
    "LEXICAL_OBJECTS",
    "MAX_TERMS",
    "STOP_WORDS",
    "TSV_INDEX",
    "lexical_search",
    "lexical_terms",
    "sqlite_search",
]

FTS_TABLE = "agentmem_memories_fts"
TSV_INDEX = "ix_agentmem_memories_tsv"
LEXICAL_OBJECTS = frozenset(
    {
        FTS_TABLE,
        # FTS5's shadow tables (an external-content table has no _content).
        f"{FTS_TABLE}_data",
        f"{FTS_TABLE}_idx",
        f"{FTS_TABLE}_docsize",
        f"{FTS_TABLE}_config",
        TSV_INDEX,
    }
)
"""Tables and indexes of the lexical search that the models do not describe."""

MAX_TERMS = 32
"""Words kept from a query: every extra word is another posting list to merge."""

# Letters and digits only: underscores separate words in FTS5's unicode61 and PostgreSQL's parser alike.
_WORD = re.compile(r"[^\W_]+")

# NLTK's English list without its single letters (dropped anyway). Matching a stop word means reading and
# ranking most of the namespace: 15 ms instead of under 4 ms at 100k memories (docs/MEASURED.md).
STOP_WORDS = frozenset(
    """
    me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very can will just don should now ll re ve
    ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn
    """.split()  # noqa: SIM905 - a paragraph of words reads better than a 150-line list
)

# The tsvector expression of the index: queries must repeat it exactly for PostgreSQL to use the index.
# 'simple' lower-cases without stemming or stop words, like FTS5's unicode61 (measured against 'english'
# in the report of revision 0002: see the module docstring there).
_PG_SEARCH = """
SELECT id, ts_rank_cd(to_tsvector('simple', text), query) AS score
FROM agentmem_memories, to_tsquery('simple', :query) AS query
WHERE namespace_id = :namespace_id {status}
  AND to_tsvector('simple', text) @@ query
ORDER BY score DESC, id
LIMIT :limit
"""

# bm25() is negative, more negative is better: negated, the best match has the highest score.
_SQLITE_SEARCH = f"""
SELECT m.id AS id, -bm25({FTS_TABLE}) AS score
FROM {FTS_TABLE} JOIN agentmem_memories AS m ON m.id = {FTS_TABLE}.rowid
WHERE {FTS_TABLE} MATCH :query AND m.namespace_id = :namespace_id {{status}}
ORDER BY score DESC, m.id
LIMIT :limit
"""


def lexical_terms(query: str) -> list[str]:
    """The words of ``query`` that lexical search looks for.

    Lower-cased runs of letters and digits, without English stop words and single letters (single digits
    stay), each once, in the order they appear, at most :data:`MAX_TERMS`.

    Args:
        query: free text, as a user or an agent wrote it.

    Returns:
        The search terms; empty when nothing in ``query`` is worth searching for.
    """
    terms: dict[str, None] = {}
    for match in _WORD.finditer(query):
        word = match.group().lower()
        if word in STOP_WORDS or (len(word) == 1 and not word.isdigit()):
            continue
        terms[word] = None
        if len(terms) == MAX_TERMS:
            break
    return list(terms)


def lexical_search(
    conn: Connection, *, namespace_id: int, query: str, limit: int, include_archived: bool = False
) -> list[tuple[int, float]]:
    """Memories of a namespace matching any word of ``query``, best first.

    SQLite ranks with FTS5's BM25; PostgreSQL with ``ts_rank_cd`` (cover density, no corpus statistics).
    Scores compare memories within one query, not across queries or backends.

    Args:
        conn: a connection to a database at revision 0002 or later.
        namespace_id: the namespace searched.
        query: free text; anything is accepted, see :func:`lexical_terms`.
        limit: at most this many matches.
        include_archived: also match archived memories.

    Returns:
        (memory id, score > 0) pairs, highest score first (ties by id); empty when the query has no terms.
    """
    terms = lexical_terms(query)
    if not terms or limit <= 0:
        return []
    status = "" if include_archived else "AND status = 'active'"
    if conn.dialect.name == "postgresql":
        # Terms are letters and digits only, so no tsquery operator can appear in them.
        sql, match = _PG_SEARCH.format(status=status), " | ".join(terms)
    else:
        sql, match = sqlite_search(terms, include_archived=include_archived)
    rows = conn.execute(text(sql), {"query": match, "namespace_id": namespace_id, "limit": limit}).all()
    return [(int(row.id), float(row.score)) for row in rows if row.score > 0]


def sqlite_search(terms: list[str], *, include_archived: bool) -> tuple[str, str]:
    """SQLite's lexical query (named parameters ``query``, ``namespace_id``, ``limit``) and its MATCH text."""
    # Quoted, a term is a string for FTS5, never an operator (NEAR, AND, NOT), column filter or prefix.
    status = "" if include_archived else "AND m.status = 'active'"
    return _SQLITE_SEARCH.format(status=status), " OR ".join(f'"{term}"' for term in terms)
