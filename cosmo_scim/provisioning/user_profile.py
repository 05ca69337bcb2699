"""The SCIM-owned description of a member (UserProfile), as the lifecycle service takes it
from the SCIM layer and stores it on ScimUser.

Apart from lifecycle.py because both sides use it: the SCIM layer builds profiles from
request bodies (scim/users.py), the service compares and stores them.
"""

from dataclasses import dataclass, field, fields
from typing import Any

from ..addresses import login_address


@dataclass(frozen=True)
class Email:
    value: str
    type: str = ""
    primary: bool = False
    display: str = ""


@dataclass
class UserProfile:
    """The SCIM-owned description of a member, as the IdP last sent it."""

    user_name: str
    external_id: str | None = None
    given_name: str = ""
    family_name: str = ""
    formatted_name: str = ""
    middle_name: str = ""
    honorific_prefix: str = ""
    honorific_suffix: str = ""
    display_name: str = ""
    nick_name: str = ""
    profile_url: str = ""
    title: str = ""
    user_type: str = ""
    preferred_language: str = ""
    locale: str = ""
    time_zone: str = ""
    employee_number: str = ""
    cost_center: str = ""
    organization_name: str = ""
    division: str = ""
    department: str = ""
    manager_id: str = ""
    # Multi-valued attributes other than emails, each a list of {sub-attribute: value}
    # objects as the IdP sent them (canonical names, unassigned ones left out), stored as
    # JSON on ScimUser: phoneNumbers, ims, photos, addresses.
    phone_numbers: list[dict[str, Any]] = field(default_factory=list)
    ims: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    # None: the request did not say (a PUT without ``active`` keeps the current state).
    active: bool | None = None

    def login_email(self) -> str | None:
        """The address the person logs in with and is invited at (``login_address``)."""
        return login_address(self.emails, self.user_name)


# Profile fields stored as columns of ScimUser, strings and JSON lists (emails and active
# are handled apart).
COLUMN_FIELDS = tuple(f.name for f in fields(UserProfile) if f.name not in ("emails", "active"))


def profile_of(scim_user: Any) -> UserProfile:
    """The stored profile of a SCIM user as the lifecycle service reads it under its lock
    (emails aggregated, user_reads)."""
    return UserProfile(
        **{name: getattr(scim_user, name) for name in COLUMN_FIELDS},
        emails=[
            # SQLite's JSON holds booleans as 0/1.
            Email(e["value"], e["type"], bool(e["primary"]), e["display"])
            for e in scim_user.email_rows
        ],
        active=scim_user.active,
    )
