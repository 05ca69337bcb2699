"""What a resource's filters and ``sortBy`` may name, and where each attribute is stored.

An :class:`AttributeRegistry` maps SCIM attribute paths to ORM paths of the model being
filtered; anything it does not declare, in any position of a filter (inside ``or``, ``not`` or
brackets), is a 400 ``invalidFilter`` naming it. For example (the /Users registry,
:data:`cosmo_scim.scim.user_attributes.USER_ATTRIBUTES`, is built from the User attribute table)::

    AttributeRegistry(
        {
            "userName": Scalar("user_name"),
            "name.givenName": Scalar("given_name"),
            "active": Scalar("active", BOOLEAN),
            "meta.created": Scalar("created", DATETIME),
            "emails": MultiValued("cosmo_scim.ScimUserEmail", fk="scim_user", attributes={
                "value": Scalar("value"), "primary": Scalar("primary", BOOLEAN),
            }),
        },
        core_schema="urn:ietf:params:scim:schemas:core:2.0:User",
    )

Keep ORM paths single-valued from the filtered model (a forward FK, an annotation): a path
through a reverse/multi-valued relation would be joined separately from the tenant scope.
Non-caseExact string attributes must be text columns (they are wrapped in LOWER()).
"""

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from ..errors import invalid_filter
from ..paths import AttrPath

# The SCIM attribute types (RFC 7643 §2.3) that can be filtered and sorted on.
STRING = "string"
BOOLEAN = "boolean"
DATETIME = "dateTime"
_TYPES = {STRING, BOOLEAN, DATETIME}

# A condition over the sub-attributes of a multi-valued attribute: ``build(registry)``.
Build: TypeAlias = Callable[["AttributeRegistry"], Q]


@dataclass(frozen=True)
class Scalar:
    """A single-valued attribute stored in one column.

    ``field``: ORM path relative to the model being filtered (``user_name``, ``active``);
    ``type``: SCIM type; ``case_exact``: RFC 7643 caseExact. ``indexed`` (a sub-attribute of
    a :class:`MultiValued` only): an index of the child table finds the rows where it
    ``eq`` a value, so a filter on it alone is served from that index (see
    :meth:`MultiValued.exists`).
    """

    field: str
    type: str = STRING
    case_exact: bool = False
    # The field is a key of a JSON value (``phone_numbers__0__value``), compared as text.
    in_json: bool = False
    indexed: bool = False

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise ValueError(f"Unsupported SCIM attribute type {self.type!r}")


class _SubAttributes:
    """What a multi-valued attribute's storage shares: the registry of its ``attributes``
    (the sub-attributes), and ``value`` as what a filter naming the attribute alone means."""

    attributes: Mapping[str, Scalar]  # each subclass's field
    default = "value"

    def __post_init__(self) -> None:
        object.__setattr__(self, "registry", AttributeRegistry(self.attributes, _nested=True))


@dataclass(frozen=True)
class MultiValued(_SubAttributes):
    """A multi-valued complex attribute stored as rows of a child table.

    ``model``: the child model's ``"app_label.Model"`` label (so registries can be declared at
    import time, before the models are); ``fk``: the child's foreign key to the parent row;
    ``attributes``: the sub-attributes (``{"value": Scalar("value"), ...}``, ORM paths relative
    to the child). A filter naming the attribute alone (``emails co "@x"``) means its
    ``value`` (RFC 7644 §3.4.2.2 compares a multi-valued attribute's values).
    """

    model: str
    fk: str
    attributes: Mapping[str, Scalar]
    registry: "AttributeRegistry" = field(init=False, repr=False, compare=False)

    def exists(self, condition: Q | None = None, *, indexed: bool = False) -> Q:
        """Some child row of the parent matches ``condition`` (a ``Q``).

        ``indexed``: the condition is an ``eq`` that an index of the child table serves
        (``emails.value eq``). Then it is an ``EXISTS``, which the database may turn into a
        join that starts from that index: the few matching child rows, whoever's they are,
        then their parents. Otherwise it is the number of the parent's matching child rows,
        counted per parent: an aggregate is never turned into a join, so only the parents
        the rest of the query reads (the tenant's) are probed. As an ``EXISTS`` without an
        index, PostgreSQL may instead read every child row of the table, of every tenant,
        and keep those whose parent is in the tenant."""
        where = Q(**{self.fk: OuterRef("pk")})
        if condition is not None:
            where &= condition
        rows = apps.get_model(self.model)._default_manager.filter(where)
        if indexed:
            return Q(Exists(rows))
        matching = rows.order_by().values(self.fk).annotate(n=Count("pk")).values("n")
        return Q(GreaterThan(Coalesce(Subquery(matching), Value(0)), 0))

    def any(self, build: Build | None, indexed: bool = False) -> Q:
        """Some value matches ``build(registry)`` (a ``Q`` over the sub-attributes of
        ``registry``); any value at all for ``build`` None. ``indexed``: see :meth:`exists`."""
        return self.exists(None if build is None else build(self.registry), indexed=indexed)


@dataclass(frozen=True)
class JSONMultiValued(_SubAttributes):
    """A multi-valued complex attribute stored as a JSON array of objects in one column of
    the filtered model: ``field``, at most ``max_values`` long (the limit the attribute
    table enforces on every write). ``attributes``: the sub-attributes, each a Scalar whose
    ``field`` is its key in an element.

    "Some value matches" is the ``OR`` of the condition at each position of the array: a
    fixed-size expression of JSON key lookups that the ORM writes for PostgreSQL (``#>>``)
    and SQLite (``JSON_EXTRACT``) alike, with no table-valued function. It reads the row the
    tenant scope already selected; there is no index on the values (they are never a key).
    """

    field: str
    max_values: int
    attributes: Mapping[str, Scalar]
    registry: "AttributeRegistry" = dataclasses.field(init=False, repr=False, compare=False)

    def position(self, index: int) -> "AttributeRegistry":
        """The sub-attributes of the value at ``index``, as Scalars of the filtered model."""
        return AttributeRegistry(
            {
                name: Scalar(
                    f"{self.field}__{index}__{attr.field}", attr.type, attr.case_exact, True
                )
                for name, attr in self.attributes.items()
            },
            _nested=True,
        )

    def any(self, build: Build | None, indexed: bool = False) -> Q:
        """Some value matches ``build(registry)``; any value at all for ``build`` None.
        (``indexed`` does not apply: the values are in the row itself.)"""
        query = Q(pk__in=[])
        for index in range(self.max_values):
            there = Q(**{f"{self.field}__{index}__isnull": False})
            query |= there if build is None else there & build(self.position(index))
        return query


_MULTI_VALUED = (MultiValued, JSONMultiValued)
# What a registry maps a path to.
Attribute: TypeAlias = Scalar | MultiValued | JSONMultiValued


class AttributeRegistry:
    """What a resource's filters (and ``sortBy``) may name, keyed case-insensitively by path.

    Keys are SCIM attribute paths: ``"userName"``, ``"name.givenName"``, ``"meta.created"``,
    ``"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"``; values are
    :class:`Scalar` or (top level only) :class:`MultiValued` / :class:`JSONMultiValued`.
    Attributes of ``core_schema`` may also be written fully qualified
    (``urn:ietf:params:scim:schemas:core:2.0:User:userName``).
    Every ordering ends with the ``tiebreaker``, the filtered model's unique ``pk``.
    """

    tiebreaker = "pk"

    def __init__(
        self,
        attributes: Mapping[str, "Attribute"],
        *,
        core_schema: str | None = None,
        _nested: bool = False,
    ) -> None:
        self.core_schema = core_schema.lower() if core_schema else None
        self._attrs: dict[str, Attribute] = {}
        for key, attr in attributes.items():
            if isinstance(attr, _MULTI_VALUED):
                if _nested:
                    raise ValueError(f"{key!r}: sub-attributes must be Scalar")
            elif not isinstance(attr, Scalar):
                raise TypeError(f"{key!r}: expected Scalar or a multi-valued, got {attr!r}")
            lowered = key.lower()
            if lowered in self._attrs:
                raise ValueError(f"Duplicate attribute {key!r}")
            self._attrs[lowered] = attr

    def extended(self, attributes: Mapping[str, "Attribute"]) -> "AttributeRegistry":
        """This registry with ``attributes`` added (keys as in the constructor)."""
        return AttributeRegistry({**self._attrs, **attributes}, core_schema=self.core_schema)

    def __contains__(self, key: str) -> bool:
        return key.lower() in self._attrs

    def get(self, key: str) -> "Attribute | None":
        return self._attrs.get(key.lower())

    def _bases(self, path: AttrPath) -> list[str]:
        if path.uri is None:
            return [path.name.lower()]
        qualified = f"{path.uri}:{path.name}".lower()
        if path.uri.lower() == self.core_schema:
            return [qualified, path.name.lower()]
        return [qualified]

    def resolve(self, path: AttrPath) -> tuple[str, "Attribute | AttributeRegistry", str | None]:
        """Resolve an :class:`~cosmo_scim.protocol.paths.AttrPath` to ``(kind, attr, sub)``;
        ScimError if unknown.

        kind is ``"scalar"`` (attr: Scalar), ``"multi"`` (attr: MultiValued, sub: sub-attribute
        name or None) or ``"complex"`` (attr: sub-registry of a complex single-valued attribute).
        """
        for base in self._bases(path):
            if path.sub is not None:
                found = self._attrs.get(f"{base}.{path.sub.lower()}")
                if isinstance(found, Scalar):
                    return "scalar", found, None
            found = self._attrs.get(base)
            if isinstance(found, _MULTI_VALUED):
                if path.sub is not None and path.sub.lower() not in found.registry:
                    break
                return "multi", found, path.sub
            if path.sub is not None:
                continue
            if isinstance(found, Scalar):
                return "scalar", found, None
            complex_attr = self.complex(base)
            if complex_attr is not None:
                return "complex", complex_attr, None
        raise invalid_filter(f"Unknown attribute '{path}' in filter")

    def complex(self, base: str) -> "AttributeRegistry | None":
        """Sub-registry of the scalars declared under ``base.`` (``name`` → givenName...)."""
        prefix = base + "."
        subs = {k[len(prefix) :]: v for k, v in self._attrs.items() if k.startswith(prefix)}
        subs = {k: v for k, v in subs.items() if "." not in k and isinstance(v, Scalar)}
        if not subs:
            return None
        return AttributeRegistry(subs, _nested=True)

    def scalars(self) -> list[Scalar]:
        return [attr for attr in self._attrs.values() if isinstance(attr, Scalar)]
