"""What the host's fields are called, and the reads and lookups the app makes with them.

The host names its models in ``COSMO_SCIM`` (``MEMBERSHIP_MODEL``…) and their fields by the
part each plays (``MEMBERSHIP_FIELDS``, ``TEAM_FIELDS``, ``ORGANIZATION_FIELDS``,
``PERSON_FIELDS``, conf.py). Every read of a host model's field by cosmo_scim — the default
``HostAdapter``'s and the app's own queries (the SCIM ``active`` attribute, the orphaned
access report, invitations, the provisioning overview, the lifecycle service) — asks here
for the name, so a product whose membership is ``WorkspaceMember(user, workspace, role,
active)`` configures ``{"organization": "workspace", "active": "active"}`` once instead of
renaming its models. The checks (checks/) verify the names at startup.
"""

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db.models import Field, Model, QuerySet

from . import conf


def organization_field(part: str) -> str:
    return str(conf.get("ORGANIZATION_FIELDS")[part])


def membership_field(part: str) -> str:
    """The membership's field for ``part``: ``person``, ``organization``, ``active``,
    ``role``."""
    return str(conf.get("MEMBERSHIP_FIELDS")[part])


def team_field(part: str) -> str:
    """The team's field for ``part``: ``organization``, ``name``, ``members``."""
    return str(conf.get("TEAM_FIELDS")[part])


def person_field(part: str) -> str:
    """The person's field for ``part``: ``given_name``, ``family_name``, and ``email`` and
    ``login`` (the user model's EMAIL_FIELD and USERNAME_FIELD)."""
    user_model = get_user_model()
    if part == "email":
        return user_model.get_email_field_name()
    if part == "login":
        return user_model.USERNAME_FIELD
    return str(conf.get("PERSON_FIELDS")[part])


def membership_model_field(part: str) -> "Field[Any, Any]":
    """The membership model's field for ``part`` (a database field: check E003)."""
    field = conf.membership_model()._meta.get_field(membership_field(part))
    return cast("Field[Any, Any]", field)


def person_model_field(part: str) -> "Field[Any, Any]":
    """The user model's field for ``part`` (see :func:`person_field`)."""
    return cast("Field[Any, Any]", get_user_model()._meta.get_field(person_field(part)))


# -- reading one membership ----------------------------------------------------------------


def person_of(membership: Model) -> Any:
    return getattr(membership, membership_field("person"))


def organization_id_of(membership: Model) -> Any:
    """The membership's organization id, without loading the organization."""
    field = membership_model_field("organization")
    return getattr(membership, field.attname)


def is_active(membership: Model) -> bool:
    return bool(getattr(membership, membership_field("active")))


# -- querying memberships ------------------------------------------------------------------


def membership_lookups(via: str = "", **parts: Any) -> dict[str, Any]:
    """ORM lookups of memberships by part: ``membership_lookups(person=p, active=True)`` is
    ``{"user": p, "is_active": True}`` for Cosmo. ``via``: the path from the queried model
    to the membership (``"membership"`` from a ScimUser or an Invitation)."""
    prefix = f"{via}__" if via else ""
    return {f"{prefix}{membership_field(part)}": value for part, value in parts.items()}


def membership_path(part: str, via: str = "membership") -> str:
    """The path to one membership part from a model ``via`` names (``select_related``,
    ``order_by``, ``F``): ``membership_path("person")`` is ``"membership__user"``."""
    return f"{via}__{membership_field(part)}" if via else membership_field(part)


def memberships(**parts: Any) -> QuerySet[Any]:
    """The host's memberships, filtered by part (see :func:`membership_lookups`)."""
    return conf.membership_model()._default_manager.filter(**membership_lookups(**parts))


def organizations_by_slug(slug: str) -> QuerySet[Any]:
    """The organization a management command names, as a queryset (empty if none)."""
    return conf.organization_model()._default_manager.filter(**{organization_field("slug"): slug})
