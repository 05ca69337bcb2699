"""Attribute resolution: what an attribute path designates in a resource type's schemas.

The PATCH engine, value filters and value coercion read attribute characteristics (type,
multiValued, mutability, caseExact, required) from here, that is from the very definitions
``/Schemas`` publishes (:mod:`.definitions`). Names and schema URIs match case-insensitively
(RFC 7643 §2.1).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from ..documents import Definition, SchemaDocument
from ..errors import invalid_path, not_found
from ..paths import AttrPath, parse_attr_path
from .definitions import COMMON_ATTRIBUTES, GROUP_SCHEMA_DOC
from .user_schema import ENTERPRISE_USER_SCHEMA_DOC, USER_SCHEMA_DOC


@dataclass(frozen=True)
class AttributeRef:
    """Where an attribute path points.

    ``extension`` is the schema URN when the attribute lives in an extension object (stored
    under the URN key), else None. ``attr`` is the top-level definition, ``sub`` the
    sub-attribute definition or None. ``names`` are the canonical names:
    ``("name", "givenName")`` or ``("title",)``.
    """

    extension: str | None
    attr: Definition
    sub: Definition | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.attr["name"],) + ((self.sub["name"],) if self.sub else ())

    @property
    def definition(self) -> Definition:
        """The definition of the attribute the path ends at."""
        return self.sub or self.attr

    @property
    def canonical_path(self) -> str:
        """The canonical, fully spelled path, URN-prefixed for extension attributes."""
        dotted = ".".join(self.names)
        return f"{self.extension}:{dotted}" if self.extension else dotted


def find_sub_attribute(attr: Definition, name: str) -> Definition | None:
    """The sub-attribute of complex ``attr`` called ``name`` (case-insensitive), or None."""
    sub: Definition
    for sub in attr.get("subAttributes", ()):
        if sub["name"].lower() == name.lower():
            return sub
    return None


class ResourceSchema:
    """The schemas of one resource type: core schema, its extensions, the common attributes."""

    def __init__(
        self, name: str, core: SchemaDocument, extensions: Iterable[SchemaDocument] = ()
    ) -> None:
        self.name = name
        self.core = core
        self.extensions = tuple(extensions)

    @property
    def core_urn(self) -> str:
        urn: str = self.core["id"]
        return urn

    @property
    def extension_urns(self) -> tuple[str, ...]:
        return tuple(ext["id"] for ext in self.extensions)

    def schema_named(self, urn: str) -> SchemaDocument | None:
        """The schema (core or extension) whose URN is ``urn`` case-insensitively, or None."""
        for doc in (self.core, *self.extensions):
            if doc["id"].lower() == urn.lower():
                return doc
        return None

    def schema_of(self, path: AttrPath, text: str) -> SchemaDocument:
        """The schema an :class:`~cosmo_scim.protocol.paths.AttrPath` belongs to: the core
        for a path without URN; invalidPath naming ``text`` for another resource's URN."""
        if path.uri is None:
            return self.core
        doc = self.schema_named(path.uri)
        if doc is None:
            raise invalid_path(f"Unknown schema in path {text!r}")
        return doc

    def find_attribute(self, doc: SchemaDocument, name: str) -> Definition | None:
        """The top-level attribute ``name`` of ``doc`` (plus the common ones for the core)."""
        candidates: list[Definition] = list(doc["attributes"])
        if doc is self.core:
            candidates.extend(COMMON_ATTRIBUTES)
        for attr in candidates:
            if attr["name"].lower() == name.lower():
                return attr
        return None

    def resolve(self, text: object) -> AttributeRef:
        """Resolve an attribute path (no value filter) to an :class:`AttributeRef`.

        Accepts, case-insensitively (RFC 7643 §2.1): ``title``, ``name.givenName``,
        ``urn:ietf:params:scim:schemas:core:2.0:User:userName`` and
        ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value``.
        Raises invalidPath for anything this resource type does not define.
        """
        if not isinstance(text, str) or (path := parse_attr_path(text.strip())) is None:
            raise invalid_path(f"Invalid attribute path {text!r}")
        return self.reference(self.schema_of(path, text), path.name, path.sub, text)

    def reference(
        self, doc: SchemaDocument, name: str, sub_name: str | None, text: str
    ) -> AttributeRef:
        """The :class:`AttributeRef` of attribute ``name`` (and ``sub_name``, if given) of
        schema document ``doc``; invalidPath naming ``text`` when either is not defined."""
        attr = self.find_attribute(doc, name)
        if attr is None:
            raise invalid_path(f"Unknown attribute {text!r} for {self.name}")
        sub = None
        if sub_name:
            sub = find_sub_attribute(attr, sub_name)
            if sub is None:
                raise invalid_path(f"Unknown attribute {text!r} for {self.name}")
        extension = None if doc is self.core else doc["id"]
        return AttributeRef(extension, attr, sub)


# The resource types (RFC 7643 §6) and their extensions, declared once: /ResourceTypes is
# rendered from these (.discovery).
USER = ResourceSchema("User", USER_SCHEMA_DOC, [ENTERPRISE_USER_SCHEMA_DOC])
GROUP = ResourceSchema("Group", GROUP_SCHEMA_DOC)
RESOURCE_SCHEMAS = (USER, GROUP)


def resource_schema(name: str | None) -> ResourceSchema:
    """The :class:`ResourceSchema` of resource type ``name`` ("User" or "Group")."""
    for rs in RESOURCE_SCHEMAS:
        if rs.name.lower() == (name or "").lower():
            return rs
    raise not_found(f"ResourceType {name!r} not found")
