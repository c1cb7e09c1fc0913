"""Settings routes for locales, currencies and measurement families."""
from flask import abort, flash, render_template, request, url_for

from pimconnect.blueprints.settings import bp
from pimconnect.htmx import is_htmx, redirect_to, render
from pimconnect.models import Currency, MeasurementFamily
from pimconnect.permissions import require
from pimconnect.services.structure import settings

LOCALE_FILTERS = ("all", "enabled")


def _locale_query():
    status = request.args.get("status", "all")
    return (status if status in LOCALE_FILTERS else "all"), request.args.get("q", "").strip()[:100]


@bp.route("/locales")
@require("pim_enrich_locale_index")
def locales():
    """List the locales, all or only the enabled ones, optionally searched by code or name."""
    status, query = _locale_query()
    rows = settings.search_locales(enabled_only=status == "enabled", query=query)
    return render("settings/locales.html", block="results", locales=rows, shown=status, q=query,
                  label=settings.locale_label)


def _toggle(kind, code, list_endpoint, **row_context):
    """Enable or disable from a row's named submit button; htmx gets the row back, plain forms a redirect."""
    action = request.form.get("action")
    if action not in {"enable", "disable"}:
        abort(400)
    error = None
    try:
        item = settings.set_enabled(kind, code, action == "enable")
    except settings.SettingsError as refused:
        error, item = refused.message, None
    if is_htmx():
        model = settings.TOGGLEABLE[kind][0]
        item = item or model.get_or_none(model.code == code) or abort(404)
        return render_template("settings/_enable_row.html", kind=kind, item=item, error=error, **row_context)
    if error:
        flash(error, "error")
    else:
        flash(f"{code} is now {'enabled' if action == 'enable' else 'disabled'}.", "success")
    return redirect_to(url_for(list_endpoint, **request.args))


@bp.route("/locales/<code>", methods=["POST"])
@require("pim_enrich_locale_edit")
def locale_toggle(code):
    """Enable or disable one locale."""
    return _toggle("locale", code, "settings.locales", label=settings.locale_label, list_args={})


@bp.route("/currencies")
@require("pim_enrich_currency_index")
def currencies():
    """List the currencies."""
    rows = Currency.select().order_by(Currency.code)
    return render("settings/currencies.html", currencies=rows)


@bp.route("/currencies/<code>", methods=["POST"])
@require("pim_enrich_currency_edit")
def currency_toggle(code):
    """Enable or disable one currency."""
    return _toggle("currency", code, "settings.currencies", label=None, list_args={})


@bp.route("/measurements")
@require("pim_enrich_measurement_index")
def measurements():
    """List the measurement families."""
    return render("settings/measurements.html", families=settings.measurement_families())


@bp.route("/measurements/<code>")
@require("pim_enrich_measurement_index")
def measurement(code):
    """Show one measurement family: its units, symbols and conversions to the standard unit."""
    family = MeasurementFamily.get_or_none(MeasurementFamily.code == code) or abort(404)
    return render("settings/measurements_detail.html", family=family, units=settings.measurement_units(family))
