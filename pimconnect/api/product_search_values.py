"""The attribute-value operators of the products ``search`` (§6.5), by kind of attribute, as the
selection engine defines them (services/selection/values.py): what the REST documentation and the
search tests enumerate."""
from pimconnect.services.selection.values import KIND_OF_TYPE, OPERATORS  # noqa: F401

__all__ = ["KIND_OF_TYPE", "OPERATORS"]
