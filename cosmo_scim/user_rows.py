"""A SCIM user's emails and groups, aggregated into the row that reads the user.

Reads (the SCIM layer's ``user_queryset``) and the lifecycle service's locked read both need
them; as two prefetches that was two more queries per read or write.
"""

from django.db.models.functions import JSONObject

from .json_rows import JSONRows
from .models import ScimGroupMember, ScimUser, ScimUserEmail

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


def with_emails_and_groups(queryset):
    """``queryset`` (of ScimUser, top level) with each user's ``email_rows`` and
    ``group_rows``: lists of ``{value, type, primary, display}`` and ``{value, display}``
    (group ``value`` is its SCIM id), in insertion order."""
    using = queryset.db
    return queryset.annotate(
        email_rows=EMAIL_ROWS.annotation(using), group_rows=GROUP_ROWS.annotation(using)
    )
