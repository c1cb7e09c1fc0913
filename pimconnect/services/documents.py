"""Walking JSON documents as the API receives them."""


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
