"""System → Jobs: running jobs with a progress bar, polled by htmx, refreshed by hand without JS."""
import pytest

from pimconnect.db import db
from pimconnect.models import Job
from pimconnect.services import jobs
from tests.factories import login_with, login_without, make_product
from tests.test_settings_families import edit_form


@pytest.fixture
def queued_admin(seeded_app, admin):
    """Admin logged in on an app whose jobs wait for a worker (as in production)."""
    seeded_app.config["PIM_JOBS_IMMEDIATE"] = False  # the shared app's config is restored after each test
    admin.app = seeded_app
    return admin


def run_worker(app):
    with app.app_context(), db.connection_context():
        return jobs.run_pending()


def test_family_save_shows_the_queued_job_until_it_is_done(queued_admin):
    """Saving requirements answers at once with a pointer to Jobs; the page polls while the job waits."""
    with queued_admin.app.app_context():
        make_product("cap-1", family="hats")
    response = queued_admin.post("/settings/families/hats", edit_form("hats", **{"required-print": []}))
    assert response.status_code == 303
    page = queued_admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "follow it under System → Jobs" in page
    page = queued_admin.client.get("/system/jobs").get_data(as_text=True)
    assert "Recompute completeness: family hats" in page and "Pending" in page
    assert 'hx-trigger="every 2s"' in page and '<progress max="100" value="0">' in page
    assert 'href="/system/jobs">Refresh</a>' in page  # without JS: a plain reload
    assert run_worker(queued_admin.app) == 1
    fragment = queued_admin.client.get("/system/jobs", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="job-list"')
    assert "Done" in html and '<progress max="100" value="100">' in html and "1 / 1" in html
    assert "every 2s" not in html  # nothing left to follow: the polling stops


def test_channel_save_with_locale_change_queues_a_recompute(queued_admin):
    """A channel's new locales queue a whole-catalog recompute instead of running it in the request."""
    from tests.test_settings_channels import NEW_CHANNEL

    with queued_admin.app.app_context():
        make_product("cap-1", family="hats")
    data = dict(NEW_CHANNEL, locales=["en_US", "de_DE"], currencies=["USD", "EUR"], category_tree="ecommerce")
    assert queued_admin.post("/settings/channels/mobile", data).status_code == 303
    with queued_admin.app.app_context(), db.connection_context():
        assert [(j.label, j.state) for j in Job.select()] == [("Recompute completeness: channel mobile", "pending")]


def test_jobs_page_needs_the_channel_list_permission(seeded_app):
    """Whoever may list channels sees the jobs; without that permission the page is refused."""
    assert login_without(seeded_app, "pim_enrich_channel_index").client.get("/system/jobs").status_code == 403
    allowed = login_with(seeded_app, ["pim_enrich_channel_index"]).client.get("/system/jobs")
    assert allowed.status_code == 200 and "No job has run yet." in allowed.get_data(as_text=True)
    system = login_with(seeded_app, ["pim_enrich_channel_index"]).client.get("/system/").get_data(as_text=True)
    assert 'href="/system/jobs"' in system
