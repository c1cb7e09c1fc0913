"""Settings routes for attribute groups, attributes and attribute options."""
from flask import abort, flash, request, url_for
from werkzeug.datastructures import MultiDict

from pimconnect.blueprints.settings import bp
from pimconnect.htmx import is_htmx, redirect_to, refused_status, render
from pimconnect.models import Attribute, AttributeGroup, AttributeOption
from pimconnect.permissions import require
from pimconnect.services.errors import Invalid
from pimconnect.services.structure import attribute_groups as group_service
from pimconnect.services.structure import attribute_options as option_service
from pimconnect.services.structure import attribute_types
from pimconnect.services.structure import attributes as attribute_service
from pimconnect.services.structure.checks import enabled_locales


def as_form(values):
    """Form values as a MultiDict, so templates read them with ``get`` and ``getlist`` alike."""
    return values if isinstance(values, MultiDict) else MultiDict(values or {})


def _page(request_args):
    try:
        return max(1, int(request_args.get("page", 1)))
    except ValueError:
        return 1


# -- attribute groups -----------------------------------------------------------------------------

def _group_or_404(code):
    return AttributeGroup.get_or_none(AttributeGroup.code == code) or abort(404)


def _groups_page(errors=None, status=200, block="content"):
    return render("settings/attribute_groups.html", block=block, status=status,
                  groups=list(group_service.list_groups()), errors=errors or {})


@bp.get("/attribute-groups/")
@require("pim_enrich_attributegroup_index")
def attribute_groups():
    """List attribute groups in display order with their attribute counts."""
    return _groups_page()


def _group_form(group, form, errors=None, status=200):
    return render("settings/attribute_group_form.html", group=group, form=as_form(form), errors=errors or {},
                  locales=enabled_locales(), status=status)


@bp.route("/attribute-groups/new", methods=["GET", "POST"])
@require("pim_enrich_attributegroup_edit")
def attribute_group_create():
    """Show the new attribute group form, or create the group."""
    if request.method == "GET":
        return _group_form(None, {})
    try:
        group = group_service.save_group(None, request.form)
    except Invalid as exc:
        return _group_form(None, request.form, exc.errors, refused_status())
    flash(f'Attribute group "{group.code}" created.', "success")
    return redirect_to(url_for("settings.attribute_group_edit", code=group.code))


@bp.get("/attribute-groups/<code>")
@require("pim_enrich_attributegroup_index")
def attribute_group_edit(code):
    """Show an attribute group's properties."""
    group = _group_or_404(code)
    return _group_form(group, {f"label-{k}": v for k, v in group.labels.items()})


@bp.post("/attribute-groups/<code>")
@require("pim_enrich_attributegroup_edit")
def attribute_group_update(code):
    """Save an attribute group's labels."""
    group = _group_or_404(code)
    try:
        group_service.save_group(group, request.form)
    except Invalid as exc:
        return _group_form(group, request.form, exc.errors, refused_status())
    flash(f'Attribute group "{group.code}" saved.', "success")
    return redirect_to(url_for("settings.attribute_group_edit", code=group.code))


@bp.post("/attribute-groups/<code>/move")
@require("pim_enrich_attributegroup_edit")
def attribute_group_move(code):
    """Move a group one place up or down; htmx gets the refreshed list."""
    group_service.move_group(_group_or_404(code), request.form.get("direction", ""))
    if is_htmx():
        return _groups_page(block="group_list")
    return redirect_to(url_for("settings.attribute_groups"))


@bp.post("/attribute-groups/<code>/delete")
@require("pim_enrich_attributegroup_edit")
def attribute_group_delete(code):
    """Delete an empty attribute group; explain why a non-empty one stays."""
    group = _group_or_404(code)
    try:
        group_service.delete_group(group)
    except Invalid as exc:
        return _groups_page(exc.errors, status=refused_status(), block="group_list" if is_htmx() else "content")
    flash(f'Attribute group "{code}" deleted.', "success")
    return redirect_to(url_for("settings.attribute_groups"))


# -- attributes -----------------------------------------------------------------------------------

@bp.get("/attributes/")
@require("pim_enrich_attribute_index")
def attributes():
    """List attributes, searched by code or label and filtered by type and group; htmx gets the rows."""
    filters = {"q": request.args.get("q", "").strip()[:100], "type": request.args.get("type", ""),
               "group": request.args.get("group", "")}
    page = _page(request.args)
    rows, has_next = attribute_service.search_attributes(filters["q"], filters["type"], filters["group"], page)
    return render("settings/attributes.html", block="attribute_rows", rows=rows, has_next=has_next, page=page,
                  filters=filters, types=attribute_types.TYPES, groups=list(group_service.list_groups()))


def _attribute_form(attribute, type_, form, errors=None, status=200, option_form=None, option_errors=None,
                    block="content"):
    types = attribute_types
    options = list(option_service.list_options(attribute)) if attribute and type_ in types.SELECT_TYPES else []
    return render("settings/attribute_form.html", block=block, status=status, attribute=attribute, type=type_,
                  type_label=types.TYPES[type_], form=as_form(form), errors=errors or {}, applies=types.applies,
                  locales=enabled_locales(), groups=list(group_service.list_groups()),
                  metric_choices=types.metric_choices() if types.applies("metric_family", type_) else [],
                  rules=types.VALIDATION_RULES.get(type_, ()), options=options,
                  option_form=as_form(option_form), option_errors=option_errors or {})


@bp.route("/attributes/new", methods=["GET", "POST"])
@require("pim_enrich_attribute_edit")
def attribute_create():
    """Choose the type first, then fill in the new attribute's properties."""
    type_ = request.values.get("type", "")
    if type_ not in attribute_types.TYPES:
        return render("settings/attribute_types.html", types=attribute_types.TYPES,
                      identifier_exists=attribute_service.identifier_exists())
    if request.method == "GET":
        return _attribute_form(None, type_, {"group": "other", "sort_order": "0"})
    try:
        attribute = attribute_service.save_attribute(None, request.form, type_)
    except Invalid as exc:
        return _attribute_form(None, type_, request.form, exc.errors, refused_status())
    flash(f'Attribute "{attribute.code}" created.', "success")
    return redirect_to(url_for("settings.attribute_edit", code=attribute.code))


def _attribute_or_404(code):
    return Attribute.get_or_none(Attribute.code == code) or abort(404)


@bp.get("/attributes/<code>")
@require("pim_enrich_attribute_index")
def attribute_edit(code):
    """Show an attribute's properties (and its options for select attributes)."""
    attribute = _attribute_or_404(code)
    return _attribute_form(attribute, attribute.type, attribute_as_form(attribute))


@bp.post("/attributes/<code>")
@require("pim_enrich_attribute_edit")
def attribute_update(code):
    """Save an attribute; code, type, localizable, scopable, unique and metric family stay as they are."""
    attribute = _attribute_or_404(code)
    try:
        attribute_service.save_attribute(attribute, request.form)
    except Invalid as exc:
        return _attribute_form(attribute, attribute.type, request.form, exc.errors, refused_status())
    flash(f'Attribute "{attribute.code}" saved.', "success")
    return redirect_to(url_for("settings.attribute_edit", code=attribute.code))


@bp.post("/attributes/<code>/delete")
@require("pim_enrich_attribute_edit")
def attribute_delete(code):
    """Delete an attribute that no product uses; explain the refusal otherwise."""
    attribute = _attribute_or_404(code)
    try:
        attribute_service.delete_attribute(attribute)
    except Invalid as exc:
        return _attribute_form(attribute, attribute.type, attribute_as_form(attribute), exc.errors, refused_status())
    flash(f'Attribute "{code}" deleted.', "success")
    return redirect_to(url_for("settings.attributes"))


def attribute_as_form(attribute):
    """The attribute's stored properties as form values."""
    form = {f"label-{k}": v for k, v in attribute.labels.items()}
    for name in ("sort_order", "max_characters", "validation_rule", "validation_regexp", "number_min", "number_max",
                 "metric_family", "default_metric_unit", "date_min", "date_max", "max_file_size"):
        value = getattr(attribute, name)
        form[name] = "" if value is None else str(value)
    for name in ("useable_as_grid_filter", "wysiwyg_enabled", "decimals_allowed", "negative_allowed"):
        form[name] = "1" if getattr(attribute, name) else ""
    form["group"] = attribute.group.code
    form["allowed_extensions"] = ", ".join(attribute.allowed_extensions or [])
    form["available_locales"] = list(attribute.available_locales or [])
    return form


# -- attribute options ----------------------------------------------------------------------------

def _select_attribute_or_404(code):
    attribute = _attribute_or_404(code)
    if attribute.type not in attribute_types.SELECT_TYPES:
        abort(404)
    return attribute


def _options_answer(attribute, option_form=None, option_errors=None, status=200):
    """htmx: the options block; plain: the attribute page (with errors) or back to it."""
    if is_htmx() or option_errors:
        return _attribute_form(attribute, attribute.type, attribute_as_form(attribute), status=status,
                               option_form=option_form, option_errors=option_errors,
                               block="options" if is_htmx() else "content")
    return redirect_to(url_for("settings.attribute_edit", code=attribute.code) + "#options")


@bp.post("/attributes/<code>/options")
@require("pim_enrich_attribute_edit")
def option_create(code):
    """Add an option (code and labels) to a select attribute."""
    attribute = _select_attribute_or_404(code)
    try:
        option_service.add_option(attribute, request.form)
    except Invalid as exc:
        return _options_answer(attribute, request.form, exc.errors, refused_status())
    return _options_answer(attribute)


def _option_or_404(attribute, option_code):
    return AttributeOption.get_or_none(
        (AttributeOption.attribute == attribute) & (AttributeOption.code == option_code)) or abort(404)


def _option_form(attribute, option, form, errors=None, status=200):
    return render("settings/option_form.html", attribute=attribute, option=option, form=as_form(form),
                  errors=errors or {}, locales=enabled_locales(), status=status)


@bp.route("/attributes/<code>/options/<option_code>", methods=["GET", "POST"])
@require("pim_enrich_attribute_edit")
def option_edit(code, option_code):
    """Show or save an option's labels."""
    attribute = _select_attribute_or_404(code)
    option = _option_or_404(attribute, option_code)
    if request.method == "GET":
        return _option_form(attribute, option, {f"label-{k}": v for k, v in option.labels.items()})
    try:
        option_service.update_option(option, request.form)
    except Invalid as exc:
        return _option_form(attribute, option, request.form, exc.errors, refused_status())
    flash(f'Option "{option.code}" saved.', "success")
    return redirect_to(url_for("settings.attribute_edit", code=attribute.code) + "#options")


@bp.post("/attributes/<code>/options/<option_code>/move")
@require("pim_enrich_attribute_edit")
def option_move(code, option_code):
    """Move an option one place up or down."""
    attribute = _select_attribute_or_404(code)
    option_service.move_option(_option_or_404(attribute, option_code), request.form.get("direction", ""))
    return _options_answer(attribute)


@bp.post("/attributes/<code>/options/<option_code>/delete")
@require("pim_enrich_attribute_edit")
def option_delete(code, option_code):
    """Delete an option that no product uses."""
    attribute = _select_attribute_or_404(code)
    try:
        option_service.delete_option(_option_or_404(attribute, option_code))
    except Invalid as exc:
        return _options_answer(attribute, None, exc.errors, refused_status())
    return _options_answer(attribute)
