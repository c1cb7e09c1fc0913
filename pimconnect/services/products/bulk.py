"""Cheap SQL for hot paths (product writes and pages, bearer checks): multi-row INSERTs and queries
compiled once.

Peewee renders a query through its expression tree on every call (~300 µs for a one-line
SELECT, more for an INSERT of many rows), which dominated a batch upsert. Here a statement is
rendered once per database kind and then executed with fresh parameters (~25 µs), and index rows
go in with one multi-row INSERT per table instead of one rendered statement per 200 rows.
Everything still goes through ``db.execute_sql`` (so the strict-transaction check and query
counting see every statement).

On PostgreSQL the rows go in as one JSON parameter (``json_populate_recordset``) rather than as a
VALUES list of thousands of parameters: the statement's text is the same whatever the number of rows,
so the server parses and plans it once per connection (a prepared statement) and the driver splits
its placeholders once, where a 700-row VALUES list cost ~30 ms to parse and plan on every batch.
"""
import datetime
import json
import sqlite3
import uuid
from decimal import Decimal

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DoubleField,
    Field,
    ForeignKeyField,
    IntegerField,
    JSONField,
    Node,
    UUIDField,
)

from pimconnect.db import db, is_sqlite
from pimconnect.services.documents import compact_dumps

_SQL = {}
MAX_PARAMS = 30000 if sqlite3.sqlite_version_info >= (3, 32) else 900  # per statement


def compiled(name, build):
    """The SQL of ``build()`` (a Peewee query), rendered once per database kind and cached by ``name``.

    The caller passes the query's parameters in the order the rendered SQL expects them.
    """
    key = (name, type(db.obj))
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = build().sql()[0]
    return sql


def compiled_as(name, build, expected):
    """compiled() for a query whose rendered parameters must be exactly ``expected`` (the sample values
    it was built with, as the driver gets them, or a function returning them): the caller then passes
    its own in that order. None when Peewee renders it otherwise (the caller takes its general path)."""
    key = ("checked", name, type(db.obj))
    if key not in _SQL:
        sql, params = build().sql()
        _SQL[key] = sql if list(params) == list(expected() if callable(expected) else expected) else None
    return _SQL[key]


def fetchone(name, build, params):
    return db.execute_sql(compiled(name, build), params).fetchone()


def fetchall(name, build, params=()):
    """The rows (tuples, as the driver gives them) of ``build()`` run with ``params``, its SQL compiled once."""
    return db.execute_sql(compiled(name, build), params).fetchall()


def first_model(name, build, value):
    """The first row of ``build(value)`` (a model query selecting whole models, each once, joined by
    their foreign keys) as its models, or None.

    The query is rendered once per database kind with a placeholder value that is then swapped for
    ``value`` in the parameters, and the row is turned into models by a plan made once too: Peewee's
    cursor wrapper works that plan out again on every query (~0.3 ms of a bearer check, which every
    API request makes).
    """
    key = ("model", name, type(db.obj))
    if key not in _SQL:
        placeholder = f"<{name}:{uuid.uuid4().hex}>"
        query = build(placeholder).limit(1)
        sql, params = query.sql()
        _SQL[key] = (query, sql, list(params), params.index(placeholder), _row_plan(query))
    query, sql, params, index, plan = _SQL[key]
    params = list(params)
    params[index] = value
    cursor = db.execute_sql(sql, params)
    if plan is None:
        return next(iter(query._get_cursor_wrapper(cursor)), None)
    row = cursor.fetchone()
    return None if row is None else _assemble(plan, row)


def _row_plan(query):
    """[(model, [(field name, python_value or None, column position)], [(foreign key name, joined
    model's position)])] for a query whose columns are whole models' fields; None otherwise."""
    models, columns = [], {}
    for position, field in enumerate(query._returning):
        if not isinstance(field, Field):
            return None
        model = field.model
        if model not in columns:
            models.append(model)
            columns[model] = []
        columns[model].append((field.name, field.python_value, position))
    if any(len(cols) != len(model._meta.sorted_fields) for model, cols in columns.items()):
        return None
    plan = []
    for model in models:
        links = [(fk.name, models.index(fk.rel_model)) for fk in model._meta.refs
                 if fk.rel_model in models and fk.rel_model is not model]
        plan.append((model, columns[model], links))
    return plan


def _assemble(plan, row):
    instances = []
    for model, columns, _links in plan:
        instance = model(__no_default__=1)
        instance.__data__ = {name: row[position] if convert is None or row[position] is None
                             else convert(row[position]) for name, convert, position in columns}
        instance._dirty.clear()
        instances.append(instance)
    for instance, (_model, _columns, links) in zip(instances, plan):
        for name, joined in links:
            instance.__rel__[name] = instances[joined]
    return instances[0]


def _param(value):
    """A field's database value as a plain parameter (SQLite's JSONField wraps it in ``json(?)``)."""
    return value.arguments[0] if isinstance(value, Node) else value


PLAIN_FIELDS = (AutoField, BooleanField, CharField, DoubleField, IntegerField)


def _converter(field):
    """None when the driver takes the Python value as it is, else the field's conversion."""
    target = field.rel_field if isinstance(field, ForeignKeyField) else field
    if type(target) in PLAIN_FIELDS:
        return None
    if type(target) is UUIDField:  # hex strings are what db_value returns: convert only the UUIDs
        return lambda value: (value if isinstance(value, str) and len(value) == 32
                              else value.hex if isinstance(value, uuid.UUID) else _param(target.db_value(value)))
    if type(target) is JSONField and is_sqlite():  # SQLite's wrapper is json(dumps(value)): skip the Node
        return lambda value: None if value is None else compact_dumps(value)
    return lambda value: None if value is None else _param(target.db_value(value))


def _insert_template(model, names, sample):
    """('INSERT INTO … (cols) VALUES ', '(?, json(?), …)') for these fields, as Peewee renders them."""
    key = ("insert", model, names, type(db.obj))
    if key not in _SQL:
        fields = [model._meta.fields[n] for n in names]
        sql = model.insert_many([tuple(sample[n] for n in names)], fields=fields).sql()[0]
        head, _, row = sql.partition(" VALUES ")
        row = row.split(" RETURNING ")[0]
        _SQL[key] = (head + " VALUES ", row, [_converter(f) for f in fields])
    return _SQL[key]


def _json_converter(field):
    """None when json.dumps takes the Python value as the column's JSON form, else the conversion."""
    target = field.rel_field if isinstance(field, ForeignKeyField) else field
    if type(target) is UUIDField:
        return lambda value: (value if isinstance(value, str) or value is None
                              else value.hex if isinstance(value, uuid.UUID) else target.db_value(value))
    if type(target) is DoubleField:
        return lambda value: float(value) if isinstance(value, Decimal) else value
    if type(target) in PLAIN_FIELDS or type(target) is JSONField:
        return None
    return lambda value: (value.isoformat(" ") if isinstance(value, datetime.datetime)
                          else value.isoformat() if isinstance(value, datetime.date) else target.db_value(value))


def _recordset_template(model, names):
    """('INSERT … SELECT cols FROM json_populate_recordset(NULL::table, %s)', column names, converters)."""
    key = ("recordset", model, names)
    if key not in _SQL:
        fields = [model._meta.fields[n] for n in names]
        table = model._meta.table_name
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        sql = (f'INSERT INTO "{table}" ({columns}) SELECT {columns} '
               f'FROM json_populate_recordset(NULL::"{table}", %s)')
        _SQL[key] = (sql, [f.column_name for f in fields], [_json_converter(f) for f in fields])
    return _SQL[key]


def _insert_recordset(model, names, rows):
    sql, columns, converters = _recordset_template(model, names)
    records = [{column: row[name] if convert is None else convert(row[name])
                for name, column, convert in zip(names, columns, converters)} for row in rows]
    db.execute_sql(sql, (json.dumps(records, ensure_ascii=False, allow_nan=False, separators=(",", ":")),))


def insert_rows(model, rows):
    """INSERT ``rows`` (dicts with the same keys, Python values): on PostgreSQL with one statement
    whose text does not depend on the rows, on SQLite with as few multi-row INSERTs as its parameter
    limit allows."""
    if not rows:
        return
    names = tuple(rows[0])
    first = rows[0].keys()
    if any(row.keys() != first for row in rows):  # rows of several shapes (a product with associations and one
        names = tuple(dict.fromkeys(name for row in rows for name in row))  # without): a column missing is NULL
        rows = [{name: row.get(name) for name in names} for row in rows]
    if not is_sqlite():
        _insert_recordset(model, names, rows)
        return
    head, row_sql, converters = _insert_template(model, names, rows[0])
    per_statement = max(1, min(1000, MAX_PARAMS // len(names)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        params = [row[name] if convert is None else convert(row[name])
                  for row in chunk for name, convert in zip(names, converters)]
        db.execute_sql(head + ", ".join([row_sql] * len(chunk)), params)


def delete_for_products(model, product_ids):
    """DELETE the rows of ``model`` that belong to these products (one statement)."""
    if product_ids:
        model.delete().where(model.product.in_(list(product_ids))).execute()
