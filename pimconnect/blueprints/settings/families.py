"""Settings routes for families: attributes, label/image attributes and requirements per channel."""
from flask import abort, flash, request, url_for
from werkzeug.datastructures import MultiDict

from pimconnect.blueprints.jobs import flash_if_running
from pimconnect.blueprints.settings import bp
from pimconnect.blueprints.settings.attributes import as_form
from pimconnect.htmx import redirect_to, refused_status, render
from pimconnect.models import Channel, Family
from pimconnect.permissions import require
from pimconnect.services.errors import Invalid
from pimconnect.services.structure import families as service
from pimconnect.services.structure.attribute_types import TYPES
from pimconnect.services.structure.checks import enabled_locales


@bp.get("/families/")
@require("pim_enrich_family_index")
def families():
    """List families, searched by code or label; htmx gets the rows."""
    q = request.args.get("q", "").strip()[:100]
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    rows, has_next = service.search_families(q, page)
    return render("settings/families.html", block="family_rows", rows=rows, has_next=has_next, page=page, q=q)


def family_as_form(family):
    """The family's stored state as form values (a new family: the identifier, required everywhere)."""
    attributes = service.family_attributes(family)
    form = MultiDict([("attributes", a.code) for a in attributes])
    for channel, code in service.required_pairs(family):
        form.add(f"required-{channel}", code)
    if family is not None:
        form.update({f"label-{k}": v for k, v in family.labels.items()})
        form["attribute_as_label"] = family.attribute_as_label.code if family.attribute_as_label else ""
        form["attribute_as_image"] = family.attribute_as_image.code if family.attribute_as_image else ""
    elif attributes:
        form["attribute_as_label"] = attributes[0].code
    return form


def _family_form(family, form, errors=None, status=200):
    """The family page; the attribute rows are the stored ones plus those being added."""
    form = as_form(form)
    rows = {a.code: a for a in service.family_attributes(family)}
    listed = set(form.getlist("attributes")) | set(form.getlist("add_attributes"))
    for attribute in service.candidate_attributes(family):
        if attribute.code in listed:
            rows[attribute.code] = attribute
    return render("settings/family_form.html", family=family, form=form, errors=errors or {}, status=status,
                  rows=list(rows.values()), candidates=service.candidate_attributes(family), types=TYPES,
                  channels=list(Channel.select().order_by(Channel.code)), locales=enabled_locales(),
                  label_types=service.LABEL_TYPES, image_types=service.IMAGE_TYPES)


@bp.route("/families/new", methods=["GET", "POST"])
@require("pim_enrich_family_edit")
def family_create():
    """Show the new family form, or create the family."""
    if request.method == "GET":
        return _family_form(None, family_as_form(None))
    try:
        family = service.save_family(None, request.form)
    except Invalid as exc:
        return _family_form(None, request.form, exc.errors, refused_status())
    flash(f'Family "{family.code}" created.', "success")
    return redirect_to(url_for("settings.family_edit", code=family.code))


def _family_or_404(code):
    return Family.get_or_none(Family.code == code) or abort(404)


@bp.get("/families/<code>")
@require("pim_enrich_family_index")
def family_edit(code):
    """Show a family: properties, attributes and the requirements matrix."""
    family = _family_or_404(code)
    return _family_form(family, family_as_form(family))


@bp.post("/families/<code>")
@require("pim_enrich_family_edit")
def family_update(code):
    """Save a family in one transaction, which queues the recompute of its products' completeness."""
    family = _family_or_404(code)
    try:
        service.save_family(family, request.form)
    except Invalid as exc:
        return _family_form(family, request.form, exc.errors, refused_status())
    flash(f'Family "{family.code}" saved.', "success")
    flash_if_running()
    return redirect_to(url_for("settings.family_edit", code=family.code))


@bp.post("/families/<code>/delete")
@require("pim_enrich_family_edit")
def family_delete(code):
    """Delete a family that no product uses; explain the refusal otherwise."""
    family = _family_or_404(code)
    try:
        service.delete_family(family)
    except Invalid as exc:
        return _family_form(family, family_as_form(family), exc.errors, refused_status())
    flash(f'Family "{code}" deleted.', "success")
    return redirect_to(url_for("settings.families"))
