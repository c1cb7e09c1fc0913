"""The one product-selection engine: which products a selection of criteria holds, for a reader.

A caller builds a ``Selection`` (criteria, their dialect and semantics), and asks:

- ``validate(selection, structure)`` — every problem, each with its path, for the caller to word;
- ``condition(access, selection)`` — the condition on Product (for a query of the caller's own);
- ``page(access, selection, …)`` — a page of products in uuid or identifier order;
- ``count(access, selection, cap=…)`` — a ``Count``, exact or "more than cap".

``access`` comes first everywhere: its ``product_condition()`` (the products its reader may see,
or None) is AND-ed in. The fields, operators, value shapes and labels are in ``registry``.
"""
from pimconnect.services.selection.model import (  # noqa: F401 (the package's words)
    CATALOG,
    CATALOG_CRITERIA,
    GRID_FILTERS,
    REST,
    REST_SEARCH,
    Count,
    Criterion,
    InvalidSelection,
    Problem,
    Selection,
)
from pimconnect.services.selection.plans import (  # noqa: F401
    COUNT_CAP,
    IDENTIFIER_ORDER,
    UUID_ORDER,
    condition,
    count,
    page,
)
from pimconnect.services.selection.registry import fields_for, operators_for  # noqa: F401
from pimconnect.services.selection.structure import SelectionStructure  # noqa: F401


def validate(selection, structure=None):
    """Every problem of ``selection`` (an empty list when it is valid), in the order its dialect's
    reference checks them."""
    from pimconnect.services.selection.plans import check

    return check(selection, structure)[0]
