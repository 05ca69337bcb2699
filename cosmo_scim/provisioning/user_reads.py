"""What a read of a SCIM user carries besides its own columns: its membership's state, its
emails and its groups, each a correlated subquery of the row that reads the user.

Reads (the SCIM layer's ``user_queryset``) and the lifecycle service's locked read both need
them; as prefetches that was two more queries per read or write.
"""

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.db.models.functions import JSONObject

from .. import conf
from ..host_fields import membership_field
from ..models import ScimGroupMember, ScimUser, ScimUserEmail
from .correlated import Correlated, JSONRows

ACTIVE = Correlated(
    ScimUser,
    lambda membership_pk: (
        conf.membership_model()
        ._default_manager.filter(pk=membership_pk)
        .values(membership_field("active"))
    ),
    BooleanField(),
    outer_field="membership",
)
EMAIL_ROWS = JSONRows(
    ScimUser,
    lambda user_pk: (
        ScimUserEmail.objects.filter(scim_user=user_pk)
        .order_by("pk")
        .values(item=JSONObject(value="value", type="type", primary="primary", display="display"))
    ),
)
GROUP_ROWS = JSONRows(
    ScimUser,
    lambda user_pk: (
        ScimGroupMember.objects.filter(scim_user=user_pk)
        .order_by("pk")
        .values(item=JSONObject(value="group__scim_id", display="group__display_name"))
    ),
)


def with_emails_and_groups(queryset: QuerySet[ScimUser]) -> QuerySet[ScimUser]:
    """``queryset`` (of ScimUser, top level) with each user's ``email_rows`` and
    ``group_rows``: lists of ``{value, type, primary, display}`` and ``{value, display}``
    (group ``value`` is its SCIM id), in insertion order."""
    using = queryset.db
    return queryset.annotate(
        email_rows=EMAIL_ROWS.annotation(using), group_rows=GROUP_ROWS.annotation(using)
    )


def active_state(using: str) -> Case:
    """SCIM ``active`` (ScimUser.active): the membership's active field, without joining
    the membership, or true while the membership awaits the person's consent."""
    return Case(
        When(consent_pending=True, then=Value(True)),
        default=ACTIVE.annotation(using),
        output_field=BooleanField(),
    )


def membership_active(queryset: QuerySet[ScimUser]) -> QuerySet[ScimUser]:
    """``queryset`` with each user's :func:`active_state` as ``active``."""
    # django-stubs reads an annotation named like a model attribute as a redefinition; Django
    # allows it over a property, and SCIM reads this one through values().
    return queryset.annotate(active=active_state(queryset.db))  # type: ignore[no-redef]
