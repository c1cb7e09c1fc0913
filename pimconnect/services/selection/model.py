"""The words of the selection engine: a criterion, a selection, a problem found in one, a count.

A ``Selection`` is what a reader asks for: criteria AND-ed together, written in one *dialect* (how
they are spelled and validated: the REST ``search`` parameter, an app catalog's stored criteria, the
product grid's filters) and evaluated with one *semantics* (where the references disagree on what
an operator means, see ``REST`` and ``CATALOG``).
"""
from dataclasses import dataclass, field

# Semantics: the REST search's (Akeneo's query engine) and the catalog criteria's
# (catalogs-for-apps.md §4.5). They differ on attribute values only:
# - EMPTY: REST matches products without a value *whose family has the attribute*; a catalog
#   matches every product without a value at the criterion's (scope, locale).
# - negative operators (!=, NOT IN, DOES NOT CONTAIN, NOT BETWEEN): a catalog excludes products
#   with no value; REST's NOT IN keeps them (its other negative operators need a value already).
REST = "rest"
CATALOG = "catalog"
SEMANTICS = (REST, CATALOG)

# Dialects: how criteria are written and which operators a reader may use.
REST_SEARCH = "rest"
CATALOG_CRITERIA = "catalog"
GRID_FILTERS = "grid"


@dataclass(frozen=True)
class Criterion:
    """One condition: ``field`` (a product property or an attribute code) ``operator`` ``value``,
    with the channel (``scope``) and ``locale`` it is about; ``locales`` is the REST completeness
    list. Values are kept as sent: validation checks and resolves them."""

    field: object
    operator: object
    value: object = None
    locale: object = None
    scope: object = None
    locales: object = None


@dataclass
class Selection:
    """Criteria AND-ed; an empty list selects every product. ``default_locale`` / ``default_scope``
    fill criteria without their own (the REST ``search_locale`` / ``search_scope``).

    ``criteria`` are Criterion objects, except in the catalog dialect: there they are the stored
    JSON as is (a list of dicts, or whatever was stored), since its shape is validated too."""

    criteria: list
    dialect: str = REST_SEARCH
    semantics: str = REST
    default_locale: object = None
    default_scope: object = None


class Problem(Exception):
    """Something a selection cannot be evaluated with: a machine ``code``, its ``params`` and the
    ``path`` of what is wrong (``criteria[2].value``). Callers word it: the REST search with
    Akeneo's messages, a catalog editor with the catalog's."""

    def __init__(self, code, path=None, /, **params):
        super().__init__(code)
        self.code = code
        self.path = path
        self.params = params

    def at(self, path, **params):
        """This problem placed at ``path`` (the check raising it does not know where it is)."""
        self.path = self.path or path
        for name, value in params.items():
            self.params.setdefault(name, value)
        return self

    def __repr__(self):
        return f"Problem({self.code!r}, {self.path!r}, {self.params!r})"

    def __eq__(self, other):
        return isinstance(other, Problem) and (self.code, self.path, self.params) == (
            other.code, other.path, other.params)

    __hash__ = None


class InvalidSelection(Exception):
    """Raised by the entry points for a selection with problems (``problems``, in check order)."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s), first: {problems[0]!r}")
        self.problems = problems


@dataclass(frozen=True)
class Count:
    """How many products a selection holds: ``value`` exactly, or, when ``exact`` is False, more
    than ``value`` (the count stopped there)."""

    value: int
    exact: bool = True

    def __str__(self):
        return f"{self.value}" if self.exact else f"more than {self.value:,}"


@dataclass
class Resolved:
    """A valid criterion, ready for its SQL builder: its field's registry entry, the attribute (or
    None), the locale and scope it applies to (None where they do not apply) and the checked value
    in the form the builder takes (ids, stored codes, parsed dates, standard-unit amounts…)."""

    field: object
    operator: str
    value: object = None
    attribute: object = None
    locale: object = None
    scope: object = None
    extra: dict = field(default_factory=dict)
