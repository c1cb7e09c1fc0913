"""The SQL pieces every selection condition is written with: constant truths, LIKE with escaping,
raw fragments, and the two hints that give a page its bounded plan (``probed``, ``probe``)."""
import re

from peewee import SQL, Node, NodeList, Value, fn

from pimconnect.db import is_sqlite

ALL = SQL("1 = 1")
NONE = SQL("1 = 0")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def sql_text(text):
    """A user string made safe as a SQL parameter. PostgreSQL text cannot hold NUL and no driver
    encodes a lone surrogate (JSON escapes can produce one); stored data holds neither, so U+FFFD
    in their place changes no match."""
    return UNSTORABLE.sub("\ufffd", text)


def like(column, pattern):
    """``column LIKE pattern`` with ``\\`` escaping (the pattern is built with ``escape_like``)."""
    return NodeList((column, SQL("LIKE"), Value(pattern), SQL("ESCAPE '\\'")), parens=True)


def escape_like(text):
    """User text inside a LIKE pattern: ``%`` and ``_`` match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def raw(template, *parts):
    """SQL from a template whose ``{}`` take nodes (columns, expressions) or bound values."""
    pieces = template.split("{}")
    nodes = [SQL(pieces[0])]
    for part, text in zip(parts, pieces[1:]):
        nodes += [part if isinstance(part, Node) else Value(part), SQL(text)]
    return NodeList(nodes, glue="")


def probed(column):
    """``column`` where the page must be read in uuid order and each product probed by its own rows.

    SQLite is given ``+column``, which no index can serve. Left free, it walks the index on the
    compared column for every product of the page (inside a correlated probe), or reads every
    product of a family or status and sorts them; with a broad filter both cost the whole catalog.
    PostgreSQL's planner weighs the LIMIT itself."""
    return NodeList((SQL("+"), column), glue="") if is_sqlite() else column


def probe(query):
    """``EXISTS (query)``, evaluated for each product the page reads.

    On PostgreSQL, ``OFFSET 0`` keeps the planner from turning it into a join: it misjudges how many
    ProductValue rows match (a boolean's or a number's condition correlates with the attribute,
    which it assumes independent) and, thinking them few, would read and sort every match for each
    page. SQLite always evaluates it so.
    """
    return fn.EXISTS(query if is_sqlite() else query.offset(0))
