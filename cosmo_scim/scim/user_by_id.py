"""GET /Users/{id}: the user read, compiled once per database.

IdPs read a user by id before most writes (Entra before a PATCH, Okta on a push), so it is
the read a tenant makes most. Building and compiling its statement — thirty-odd columns,
and the emails, groups and membership state as correlated subqueries — took more
instructions than the rest of the request together (docs/performance.md, "GET by id"),
yet the SQL differs between requests only in the id and the organization. So the ORM
compiles the user read once per database; the two predicates are appended with their
values as parameters; each request runs it through ``Manager.raw``, which converts the
model's columns as any query does. The three computed columns are converted here.
"""

import json
from functools import cache
from typing import Any

from django.db import connections

from ..host import Organization
from ..models import ScimUser
from ..provisioning.user_reads import active_state, with_emails_and_groups
from .user_adapter import READ_FIELDS, UserRow

# The membership state's column: ``active`` is a property of ScimUser, which ``raw`` would
# try to set.
_ACTIVE = "scim_user_active"
_JSON_ROWS = ("email_rows", "group_rows")
_COLUMNS = tuple(name for name in READ_FIELDS if name not in _JSON_ROWS)


@cache
def _statement(using: str) -> tuple[str, tuple[Any, ...]]:
    """The user read's SQL and its fixed parameters, for the database ``using``; the id and
    the organization's key follow as the last two parameters."""
    connection = connections[using]
    queryset = with_emails_and_groups(ScimUser.objects.using(using).order_by())
    queryset = queryset.annotate(**{_ACTIVE: active_state(using)})
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    meta, quote = ScimUser._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    scim_id = quote(meta.get_field("scim_id").column)
    tenant = quote(meta.get_field("organization").column)
    # Identifiers from the model's metadata; the values are parameters.
    return f"{sql} WHERE {table}.{scim_id} = %s AND {table}.{tenant} = %s", tuple(params)


def _json(value: Any) -> Any:
    """A JSON column of ``raw``: text where the driver leaves it undecoded."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def read_user(organization: Organization, scim_id: str) -> UserRow | None:
    """The user ``scim_id`` of ``organization`` as reads represent it (the same values as a
    ``user_queryset`` row), or None."""
    using = ScimUser.objects.db
    sql, params = _statement(using)
    tenant = ScimUser._meta.get_field("organization").get_db_prep_value(
        organization.pk, connections[using]
    )
    found = list(ScimUser.objects.db_manager(using).raw(sql, (*params, scim_id, tenant)))
    if not found:
        return None
    user = found[0]
    values = {name: getattr(user, name) for name in _COLUMNS}
    values.update({name: _json(getattr(user, name)) for name in _JSON_ROWS})
    values["active"] = bool(getattr(user, _ACTIVE))
    return UserRow(values)
