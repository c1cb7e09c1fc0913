"""Request bodies of the REST API: one JSON document, or the collection PATCH's NDJSON (§7), whose
lines are each handled like a single-resource PATCH and answered on a line of their own."""
import json

from flask import current_app

from pimconnect.api import limits
from pimconnect.api.core import ApiError
from pimconnect.services.structure.rest.common import Refused, check_encodable

COLLECTION_TYPE = "application/vnd.akeneo.collection+json"
MAX_BATCH_LINES = 100
MAX_LINE_LENGTH = 1_000_000


def json_body():
    """The request's JSON document; 400 ``Invalid json message received`` when it does not parse."""
    return limits.loads_body(limits.body_text())


def json_object_body():
    """A JSON object body; any other JSON value is refused like an unparseable one."""
    data = json_body()
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid json message received")
    return data


def read_body():
    """The request's JSON object. One nested too deep for the decoder, or holding a lone surrogate (a
    ``\\ud800`` escape, which no database stores nor any answer echoes), is refused like any bad JSON,
    as the reference's decoder refuses it."""
    data = json_object_body()
    try:
        check_encodable(data)
    except Refused as exc:
        raise ApiError(exc.status, exc.message) from None
    return data


def collection_patch(key, upsert, documents=None):
    """A batch upsert (§7): the body is one JSON object per line, at most 100 lines.

    ``upsert(code, data)`` handles one line exactly as the single-resource PATCH (in its own write
    transaction, so a failing line never rolls back earlier ones) and returns 201 or 204, or
    raises ApiError. ``key`` is the line's identifying field (``code``, ``uuid``, ``identifier``).
    The answer is NDJSON, one line per input line, in order, without a trailing newline.
    ``documents``: the lines' documents as the caller already parsed and checked them (None for a line
    to parse here), so that a line is not decoded twice.
    """
    lines = [line for line in limits.body_text().split("\n") if line.strip()]
    if len(lines) > MAX_BATCH_LINES:
        raise ApiError(413, f"Too many resources to process, {MAX_BATCH_LINES} is the maximum allowed.")
    parsed = documents if documents is not None and len(documents) == len(lines) else [None] * len(lines)
    results = [_batch_line(number, line, key, upsert, document)
               for number, (line, document) in enumerate(zip(lines, parsed), start=1)]
    body = "\n".join(json.dumps(result, ensure_ascii=False) for result in results)
    return current_app.response_class(body, status=200, mimetype=COLLECTION_TYPE)


def _batch_line(number, line, key, upsert, data=None):
    if len(line) > MAX_LINE_LENGTH:
        return {"line": number, "status_code": 413, "message": "Line is too long."}
    if data is None:
        try:
            data = limits.loads_body(line)
        except ApiError as exc:
            return {"line": number, "status_code": exc.status, "message": exc.message}
    if not isinstance(data, dict):
        return {"line": number, "status_code": 400, "message": "Invalid json message received"}
    code = data.get(key)
    if code is None or (isinstance(code, str) and not code.strip()):
        return {"line": number, "status_code": 422, "message": f"{key.capitalize()} is missing."}
    if not isinstance(code, str):
        return {"line": number, "status_code": 422, "message": f"{key} must be of type string."}
    try:
        code.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): the reference's JSON decoder refuses
        return {"line": number, "status_code": 400, "message": "Invalid json message received"}
    try:
        status = upsert(code, data)
    except ApiError as exc:
        # The documented "status_code"; "code" too on error lines, as the reference's 7.0 tests show.
        result = {"line": number, key: code, "status_code": exc.status}
        if key != "code":
            result["code"] = exc.status
        return {**result, "message": exc.message, **exc.extra}
    return {"line": number, key: code, "status_code": status}
