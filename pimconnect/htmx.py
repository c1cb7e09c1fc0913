"""The htmx contract in one place: page or fragment, Vary, redirects."""
from flask import make_response, redirect, request
from jinja2_fragments.flask import render_block


def is_htmx():
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template, block="content", status=200, **context):
    """Render the full page, or only ``block`` of it when htmx asks for a fragment."""
    from flask import render_template

    if is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def refused_status():
    """The status of a refused form: 200 under htmx (it swaps only 2xx answers), 422 for a plain post."""
    return 200 if is_htmx() else 422


def redirect_to(url, status=303):
    """Redirect a plain request, or tell htmx to navigate (HX-Redirect only on a 2xx)."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, status)


def current_actor():
    """The logged-in user and their address, for the audit log of a service the view calls."""
    from flask_login import current_user

    from pimconnect.services.access.audit import Actor

    return Actor(current_user._get_current_object(), request.remote_addr)
