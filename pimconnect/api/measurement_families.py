"""Measurement families (§5.8): the whole list (not paginated) and the PATCH of a JSON array of families.

The reference names no ACL for them. Measurement families are catalog structure that metric attributes are
built on, so reading them takes ``pim_api_attribute_list`` and writing them ``pim_api_attribute_edit``.
"""
from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.bodies import MAX_BATCH_LINES, json_body
from pimconnect.api.core import ApiError, api_view
from pimconnect.api.resources import api_refusals
from pimconnect.services.structure.rest import measurements as service
from pimconnect.services.structure.rest.common import check_encodable

ENTITIES = "measurement families"


@bp.get("/measurement-families")
@api_view("pim_api_attribute_list", ENTITIES)
def measurement_families_list():
    return jsonify(service.list_families())


@bp.patch("/measurement-families")
@api_view("pim_api_attribute_edit", ENTITIES)
def measurement_families_patch():
    """Create or update each family of the body; one result per family, in order."""
    body = json_body()
    if body is None:  # the reference's JSON decoder gives nothing to work on for "null" either
        raise ApiError(400, "Invalid json message received")
    with api_refusals("patch_measurement_families"):
        check_encodable(body)
    errors = service.list_errors(body)
    if errors:
        raise ApiError(400, service.INVALID_LIST, errors=errors)
    if len(body) > MAX_BATCH_LINES:
        raise ApiError(413, f"Too many resources to process, {MAX_BATCH_LINES} is the maximum allowed.")
    return jsonify([service.save_family(item) for item in body])
