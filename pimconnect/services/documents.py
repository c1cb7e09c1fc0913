"""JSON documents as the API receives them and the database stores them, and the dates they hold."""
import json

import orjson


def compact_dumps(obj):
    """JSON text of plain data (stored documents): orjson, or the standard encoder for what it refuses."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:  # an integer beyond 64 bits, a key that is not a string
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def json_strings(data):
    """Every string of a JSON document, keys included. (A loop, not recursion: a deeply nested document
    must not exhaust the stack.)"""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            yield item


def iso(moment):
    """ISO-8601 with offset (stored datetimes are UTC): ``2016-06-23T18:24:44+00:00``."""
    if moment is None:
        return None
    if isinstance(moment, str):
        return moment
    text = moment.replace(microsecond=0).isoformat()
    return text if moment.tzinfo else text + "+00:00"
