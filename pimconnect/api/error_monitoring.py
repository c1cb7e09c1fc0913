"""Record the business errors of every REST API product write for error monitoring (§9.5)."""
from flask import g, request

from pimconnect.api import bp
from pimconnect.services.connections import error_monitoring

WRITE_METHODS = {"POST", "PATCH"}
PRODUCT_PREFIXES = ("/api/rest/v1/products-uuid", "/api/rest/v1/products")


@bp.after_request
def _record_business_errors(response):
    """After a refused product write (422, or 422 lines of a batch), keep its errors for the connection."""
    token = g.get("api_token")
    if (token is None or request.method not in WRITE_METHODS or not request.path.startswith(PRODUCT_PREFIXES)
            or request.path.endswith("/search") or response.status_code not in (200, 422) or response.is_streamed):
        return response
    is_batch = request.method == "PATCH" and request.path.rstrip("/") in PRODUCT_PREFIXES
    if response.status_code == 200 and not is_batch:
        return response
    product = None if is_batch else request.path.rsplit("/", 1)[-1]
    error_monitoring.record_response(token.client_id, response.status_code, response.get_data(), is_batch,
                                     product=product)
    return response
