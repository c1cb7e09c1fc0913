"""The Demo App's catalog: set up on connection, summarised on the status page, and its selected and
mapped products page by page (/catalog/products, /catalog/mapped-products)."""
from flask import Blueprint, abort, current_app, render_template, request

from demo_app import catalogs, pim, storage

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

KINDS = {"products": "Selected products", "mapped-products": "Mapped products"}


def set_up_catalog(connection, timeout):
    """Make sure the app has its catalog and pushed its schema; a refusal is kept to be shown, and
    never stops the connection itself."""
    catalog_id = error = None
    has_mapping = True
    try:
        catalog_id = catalogs.ensure_catalog(connection, timeout)
        catalogs.push_mapping_schema(connection, catalog_id, timeout)
    except pim.PimError as failure:
        # A PIM from before product mapping has no such route: the catalog works without it.
        has_mapping = not (catalog_id and failure.status == 404 and (failure.reason or "").startswith("No route"))
        error = str(failure) if has_mapping else None
    storage.save_catalog(connection["pim_url"], catalog_id, error, has_mapping)


def summary(connection):
    """What the status page says about the catalog: its state, the PIM's message while it is
    disabled, or the first page of its products once enabled; problems in plain words, each in its place."""
    stored = storage.catalog(connection["pim_url"]) or {}
    view = {"id": stored.get("catalog_id"), "setup_error": stored.get("setup_error"), "problem": None,
            "has_mapping": stored.get("has_mapping", True),
            "state": None, "products": None, "mapped": None, "editor_url": None,
            "columns": catalogs.MAPPED_COLUMNS}
    if not view["id"]:
        return view
    view["editor_url"] = catalogs.editor_url(connection["pim_url"], view["id"])
    timeout = current_app.config["DEMO_APP_HTTP_TIMEOUT"]
    try:
        view["state"] = catalogs.state(connection, view["id"], timeout)
    except pim.PimError as failure:
        view["problem"] = str(failure)
        return view
    view["products"] = _first_page(connection, view["id"], "products", timeout)
    if not view["products"]["message"] and view["has_mapping"]:
        view["mapped"] = _first_page(connection, view["id"], "mapped-products", timeout)
    return view


def _first_page(connection, catalog_id, kind, timeout):
    """The first page of ``kind`` as rows, or {problem} when the PIM refused it."""
    try:
        return dict(_rows(kind, catalogs.page(connection, catalog_id, kind, timeout=timeout)), problem=None)
    except pim.PimError as failure:
        return {"items": [], "rows": [], "next": None, "message": None, "problem": str(failure)}


@bp.get("/<any(products, 'mapped-products'):kind>")
def products(kind):
    """One page of the catalog's selected or mapped products, after the ``search_after`` product."""
    from demo_app import views  # here, not at the top: views imports this module

    connection = views.signed_in_connection()
    stored = storage.catalog(connection["pim_url"]) if connection else None
    if not stored or not stored.get("catalog_id"):
        abort(404)
    search_after = request.args.get("search_after") or None
    if search_after is not None and not catalogs.is_uuid(search_after):
        return render_template("problem.html", message="This page link is not valid: start from the first page."), 400
    catalog_id, problem, page = stored["catalog_id"], None, None
    try:
        page = _rows(kind, catalogs.page(connection, catalog_id, kind, search_after,
                                         timeout=current_app.config["DEMO_APP_HTTP_TIMEOUT"]))
    except pim.PimError as failure:
        problem = str(failure)
    return render_template("catalog_products.html", kind=kind, title=KINDS[kind], page=page, problem=problem,
                           search_after=search_after, editor_url=catalogs.editor_url(connection["pim_url"], catalog_id),
                           columns=catalogs.MAPPED_COLUMNS, has_mapping=stored["has_mapping"])


def _rows(kind, page):
    """The page with its items as table rows (text to show)."""
    from demo_app import views  # here, not at the top: views imports this module

    row = views.product_row if kind == "products" else _mapped_row
    return dict(page, rows=[row(item) for item in page["items"]])


def _mapped_row(item):
    """A mapped product's targets as text; a target the PIM left out (empty or unmapped) is blank."""
    def text(value):
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "" if value is None or isinstance(value, (dict, list)) else str(value)

    return {code: text(item.get(code)) for code, _title in catalogs.MAPPED_COLUMNS}
