"""What REST API endpoints answer when they succeed: the offset and search-after pages with their
links (§4.2, §4.3), and the empty 201/204 answers with an absolute ``Location``.

Every link is absolute and built from ``PIM_URL``, never from the request's Host header.
"""
from urllib.parse import urlencode

from flask import current_app, jsonify, request


def base_url():
    """The PIM's public address (``PIM_URL``): links never trust the request's Host header."""
    return current_app.config["PIM_URL"].rstrip("/")


def absolute(path):
    return base_url() + path


def created(location):
    """201, empty body, absolute ``Location``."""
    response = current_app.response_class(status=201)
    response.headers["Location"] = absolute(location)
    return response


def updated(location):
    """204, empty body, absolute ``Location``."""
    response = current_app.response_class(status=204)
    response.headers["Location"] = absolute(location)
    return response


def no_content():
    return current_app.response_class(status=204)


def link(path, **overrides):
    """An absolute link to ``path`` keeping every query parameter of the request, with ``overrides``
    (a value of None removes the parameter)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in overrides]
    params += [(k, str(v)) for k, v in overrides.items() if v is not None]
    query = urlencode(params)
    return absolute(path) + (f"?{query}" if query else "")


def with_self_link(path, item):
    """``{"_links": {"self": {"href": …}}, **item}`` — list items start with their own link."""
    return {"_links": {"self": {"href": absolute(path)}}, **item}


class Rendered:
    """A page's items already written out as JSON text, joined by commas (services/products/rest_text);
    its length is the number of items (the links count them)."""

    def __init__(self, text, count):
        self.text, self.count = text, count

    def __len__(self):
        return self.count


def compact_json():
    """Whether the app's JSON answers are compact (not indented in debug mode): pages written from
    stored text are, so they are only written that way when the general path's would be too."""
    provider = current_app.json
    return provider.compact is not False and not (provider.compact is None and current_app.debug)


def _page(body, items):
    """``body`` with ``_embedded.items`` last, as jsonify writes it (text items spliced in as they are)."""
    if not isinstance(items, Rendered):
        body["_embedded"] = {"items": items}
        return jsonify(body)
    head = current_app.json.dumps(body, separators=(",", ":"))
    text = f'{head[:-1]},"_embedded":{{"items":[{items.text}]}}}}\n'
    return current_app.response_class(text, mimetype=current_app.json.mimetype)


def offset_page(items, page, limit, count=None, path=None):
    """The offset-paginated list (§4.2): links keep every parameter; ``next`` only on a full page."""
    path = path or request.path
    links = {"self": {"href": link(path, page=page, limit=limit)},
             "first": {"href": link(path, page=1, limit=limit)}}
    if page > 1:
        links["previous"] = {"href": link(path, page=page - 1, limit=limit)}
    if len(items) == limit:
        links["next"] = {"href": link(path, page=page + 1, limit=limit)}
    body = {"_links": links, "current_page": page}
    if count is not None:
        body["items_count"] = count
    return _page(body, items)


def search_after_page(items, limit, next_cursor, path=None):
    """The search-after list (§4.3): no page, no count; ``next`` carries the last item's cursor."""
    path = path or request.path
    links = {"self": {"href": link(path, limit=limit)},
             "first": {"href": link(path, limit=limit, search_after=None)}}
    if len(items) == limit and next_cursor is not None:
        links["next"] = {"href": link(path, limit=limit, search_after=next_cursor)}
    return _page({"_links": links}, items)
