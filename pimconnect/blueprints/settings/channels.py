"""Settings routes for channels."""
from flask import abort, flash, request, url_for

from pimconnect.blueprints.jobs import flash_if_running
from pimconnect.blueprints.settings import bp
from pimconnect.htmx import redirect_to, refused_status, render
from pimconnect.models import Channel
from pimconnect.permissions import can, require
from pimconnect.services.structure import settings


def _form_data():
    """The channel form as the service's data dict (labels[xx_XX] and conversion_units[attr] fields)."""
    form = request.form
    return {
        "code": form.get("code", ""),
        "labels": {k[7:-1]: v for k, v in form.items() if k.startswith("labels[") and k.endswith("]")},
        "category_tree": form.get("category_tree", ""),
        "locales": form.getlist("locales"),
        "currencies": form.getlist("currencies"),
        "conversion_units": {k[17:-1]: v for k, v in form.items()
                             if k.startswith("conversion_units[") and k.endswith("]")},
    }


def _form(data, channel=None, error=None, errors=None, status=200):
    return render("settings/channel_form.html", status=status, data=data, channel=channel, error=error,
                  errors=errors or {}, options=settings.channel_form_options())


@bp.route("/channels")
@require("pim_enrich_channel_index")
def channels():
    """List the channels with their tree, locales and currencies."""
    return render("settings/channels.html", channels=settings.channels_data())


def _save(channel, created_message):
    data = _form_data()
    try:
        saved = settings.save_channel(data, channel)
    except settings.SettingsError as refused:
        return _form(data, channel, refused.message, refused.errors,
                     status=refused_status())
    flash(created_message.format(code=saved.code), "success")
    flash_if_running()
    return redirect_to(url_for("settings.channel_edit", code=saved.code))


@bp.route("/channels/new", methods=["GET", "POST"])
@require("pim_enrich_channel_edit")
def channel_create():
    """Show the new-channel form, or create the channel."""
    if request.method == "POST":
        return _save(None, "The channel {code} has been created.")
    empty = {"code": "", "labels": {}, "category_tree": "", "locales": [], "currencies": [], "conversion_units": {}}
    return _form(empty)


@bp.route("/channels/<code>", methods=["GET", "POST"])
@require("pim_enrich_channel_index")
def channel_edit(code):
    """Show a channel, or save its changes (the code itself never changes)."""
    channel = Channel.get_or_none(Channel.code == code) or abort(404)
    if request.method == "POST":
        if not can("pim_enrich_channel_edit"):
            abort(403)
        return _save(channel, "The channel {code} has been saved.")
    return _form(settings.channel_data(channel), channel)


@bp.route("/channels/<code>/delete", methods=["POST"])
@require("pim_enrich_channel_edit")
def channel_delete(code):
    """Delete a channel (never the last one)."""
    channel = Channel.get_or_none(Channel.code == code) or abort(404)
    try:
        settings.delete_channel(channel)
    except settings.SettingsError as refused:
        flash(refused.message, "error")
        return redirect_to(url_for("settings.channel_edit", code=code))
    flash(f"The channel {code} has been deleted.", "success")
    return redirect_to(url_for("settings.channels"))
