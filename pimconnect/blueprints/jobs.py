"""System → Jobs: the running and recent background jobs, with their progress."""
from flask import Blueprint, flash

from pimconnect.htmx import render
from pimconnect.permissions import require
from pimconnect.services import jobs as service

bp = Blueprint("jobs", __name__)

# Jobs today recompute completeness after a channel or family change; whoever may list the
# channels (whose locales and currencies start them) may follow them.
JOBS_PERMISSION = "pim_enrich_channel_index"


@bp.get("/system/jobs")
@require(JOBS_PERMISSION)
def index():
    """List the running and pending jobs, then the latest finished ones; htmx polls the list while any runs."""
    active, finished = service.recent()
    return render("system/jobs.html", block="job_list", active=active, finished=finished)


def flash_if_running():
    """After a settings save: say that work it queued runs in the background, and where to follow it."""
    if service.any_active():
        flash("Completeness is being recomputed in the background: follow it under System → Jobs.", "info")
