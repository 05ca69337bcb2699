"""How cosmo_scim's admin screens write moments and a key's state: one short date format
everywhere (``2026-12-06 18:58``, in the current time zone), and a word for a state
rather than an icon — Django's red ✗ for "not revoked" reads as an alarm.

At 1280 px the lists sit between the navigation sidebar and the filters; Django's long
default format ("Oct. 2, 2027, 6:58 p.m.") pushed their last columns out of sight."""

import datetime as dt

from django.utils import timezone
from django.utils.dateformat import format as date_format

from ..models import APIKey

FORMAT = "Y-m-d H:i"


def moment(value: dt.datetime | None, empty: str = "never") -> str:
    """``value`` (an aware datetime) in the one short format, or ``empty``."""
    if value is None:
        return empty
    return date_format(timezone.localtime(value), FORMAT)


def key_state(key: APIKey, now: dt.datetime | None = None) -> str:
    """A key's state in a word: active, expired, revoked, or rotated (revoked by the
    rotation that made its successor, ``replaced_by``)."""
    if key.revoked:
        return "rotated" if getattr(key, "replaced_by", None) else "revoked"
    if key.expiry_date and key.expiry_date <= (now or timezone.now()):
        return "expired"
    return "active"
