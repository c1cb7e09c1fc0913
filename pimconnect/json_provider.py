"""JSON answers encoded with orjson: a page of 100 products encodes several times faster than with
the standard library, which stays the fallback for what orjson refuses or does differently.

Only encoding goes through orjson. Request bodies are still decoded by the standard library: orjson
turns an integer beyond 64 bits into a float, and a client's number must never lose digits.
"""
import orjson
from flask.json.provider import DefaultJSONProvider

# Dates go through the provider's ``default`` (Flask writes them as HTTP dates, orjson as ISO 8601).
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, same output for the same objects, orjson's speed for compact answers.

    The differences that remain: non-ASCII characters are written as UTF-8 rather than ``\\u``
    escapes (both are the same JSON), and NaN becomes ``null`` (the standard module writes ``NaN``,
    which is not JSON at all).
    """

    def dumps(self, obj, **kwargs):
        if kwargs.get("indent") is None and not kwargs.get("sort_keys", self.sort_keys):
            try:
                return orjson.dumps(obj, default=kwargs.get("default", self.default), option=OPTIONS).decode()
            except TypeError:  # an integer beyond 64 bits, a key that is not a string, an unknown type
                pass
        return super().dumps(obj, **kwargs)
