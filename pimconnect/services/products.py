"""Product writes: validate a REST-shaped document, then write the product and its index rows at once.

(Interface first; the implementation follows in the next commits.)
"""


class ValidationFailed(Exception):
    """The reference's 422 "Validation failed." with its ``errors`` list."""

    def __init__(self, errors, message="Validation failed."):
        super().__init__(message)
        self.errors = errors
        self.message = message


class StaleProduct(Exception):
    """The product changed since the caller read it (optimistic concurrency)."""


def save_product(data, product=None, expected_version=None):
    """Create (``product`` None) or update a product from the REST API product shape."""
    raise NotImplementedError


def delete_product(product):
    """Delete a product and everything indexed about it."""
    raise NotImplementedError


def completeness_for(product):
    """[{"scope", "locale", "data": ratio, "missing": [codes]}] for a product with a family."""
    raise NotImplementedError
