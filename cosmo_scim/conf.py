"""cosmo_scim's settings: one ``COSMO_SCIM`` dict in the host's settings.

The host names its own models here, the way it names ``AUTH_USER_MODEL``; the app never
imports host code. Every key, its default and its meaning is listed in ``DEFAULTS`` and in
docs/integrate.md.
"""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db.models import Model
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    # "app_label.ModelName" of the tenant model. Required.
    "ORGANIZATION_MODEL": None,
    # "app_label.ModelName" of the person-in-organization model (its fields: see
    # MEMBERSHIP_FIELDS). Required.
    "MEMBERSHIP_MODEL": None,
    # "app_label.ModelName" of the organization's team model, which SCIM Groups are mirrored
    # into (its fields: see TEAM_FIELDS). Required.
    "TEAM_MODEL": None,
    # What the host's fields are called, by the part they play (host_fields.py). A dict
    # given here is merged over these defaults, so a host names only what differs, e.g.
    # {"organization": "workspace"}.
    # The tenant: ``slug``, the field the management commands look organizations up by.
    "ORGANIZATION_FIELDS": {"slug": "slug"},
    # The membership: ``person`` (FK to AUTH_USER_MODEL), ``organization`` (FK to
    # ORGANIZATION_MODEL), ``active`` (a BooleanField: does the membership grant access)
    # and ``role`` (a field with choices, for role mappings).
    "MEMBERSHIP_FIELDS": {
        "person": "user",
        "organization": "organization",
        "active": "is_active",
        "role": "role",
    },
    # The team: ``organization`` (FK to ORGANIZATION_MODEL), ``name`` and ``members``
    # (many-to-many to MEMBERSHIP_MODEL).
    "TEAM_FIELDS": {"organization": "organization", "name": "name", "members": "members"},
    # The person (AUTH_USER_MODEL): the names. The login email is the user model's
    # EMAIL_FIELD and the login its USERNAME_FIELD, as Django's own auth has them.
    "PERSON_FIELDS": {"given_name": "first_name", "family_name": "last_name"},
    # Dotted path of the class through which the app reaches the host: its people,
    # memberships and teams, and its product rules (which organizations may use SCIM, the
    # role a member's IdP groups give, who administers an organization). See host.py.
    "HOST_ADAPTER": "cosmo_scim.host.HostAdapter",
    # The most resources one list or search response returns (advertised as
    # filter.maxResults; a larger ``count`` is capped to it).
    "MAX_RESULTS": 200,
    # Base of the absolute links put in emails (the invitation accept URL), e.g.
    # "https://app.example.com". None: the host's settings.PUBLIC_BASE_URL. Never taken
    # from a request's Host header, which the client controls.
    "PUBLIC_BASE_URL": None,
    # Invitations one organization may send to one address in 24 hours: a deactivate and
    # reactivate loop of a member who never accepted (or a POST and DELETE loop) must not
    # mail an address without end. A further one is held back, pending, until the oldest
    # of those leaves the 24 hours, and then sent (invitations.create). None: no limit.
    "INVITATION_ADDRESS_LIMIT": 3,
    # Days an invitation link works, counted from when its email is sent.
    "INVITATION_EXPIRY_DAYS": 7,
    # Tries at sending one invitation email that provably did not go out (the mail server
    # was unreachable or refused it) before it is marked failed for an admin to resend.
    # With INVITATION_RETRY_DELAY 60 they span about six hours.
    "INVITATION_SEND_ATTEMPTS": 12,
    # Seconds before the first retry of an email that provably did not go out; each further
    # wait doubles, up to an hour.
    "INVITATION_RETRY_DELAY": 60,
    # Seconds after which a sender that claimed an invitation but never started handing it
    # to the mail server is presumed dead; it sent nothing, so the next sender takes over.
    "INVITATION_START_TIMEOUT": 60,
    # Seconds after which a sender that started handing an invitation to the mail server
    # but never recorded the outcome is presumed dead. The email may or may not have gone
    # out, so the invitation is marked unconfirmed (for an admin) rather than sent again.
    "INVITATION_CLAIM_TIMEOUT": 600,
    # Days without a single request through a SCIM key after which its IdP link counts as
    # stale: members provisioned through it are reported as orphaned access (orphans.py).
    # None: only a revoked or expired key makes a link stale.
    "IDP_LINK_STALE_DAYS": 90,
    # Requests per second one API key may make to the SCIM API; more answer 429 with
    # Retry-After (scim/throttle.py). Each key has its own budget. None: no limit.
    "RATE_LIMIT": 50,
    # Requests per second all of one organization's API keys together may make to the SCIM
    # API, so that minting keys does not multiply the per-key budget. None: no limit.
    "ORGANIZATION_RATE_LIMIT": 100,
    # Failed API key authentications per minute from one client address before its further
    # failures answer 429 instead of 401 (a good key is never refused). None: no limit.
    "AUTH_FAILURE_LIMIT": 30,
    # How long an API key's ``last_used_at`` may lag behind, in seconds. Bounding the
    # write rate keeps authentication at one read on the hot path.
    "KEY_LAST_USED_RESOLUTION": 60,
    # The product's name as people read it on the app's pages and in its emails (the
    # admin's header "<name> administration", "<name> stores only a hash of it" when a key
    # is shown, "… has given you access to <name>"). None: they name no product.
    "PRODUCT_NAME": None,
    # The text every new API key begins with (up to 16 letters, digits, "_" or "-"), so
    # secret scanners and log reviews recognise a leaked key: "acme_" gives
    # "acme_Ab3dE6gH.<secret>". Changing it changes new keys only; keys issued under an
    # earlier one keep working (key_format.py).
    "API_KEY_PREFIX": "scim_",
    # Names the DNS TXT record that proves an organization controls an email domain
    # (provisioning/domains.py): the record is published at "_<label>.<domain>" with the
    # value "<label>=<token>". A host changes it to put its own name in its customers' DNS.
    "DOMAIN_TXT_LABEL": "scim-verification",
    # The DNS servers the domain check asks, as "host:port" (IPv6: "[::1]:53") or "host"
    # (port 53). None: the system's resolvers (/etc/resolv.conf).
    "DNS_NAMESERVERS": None,
    # Seconds one domain check may wait for DNS in all; an admin is waiting for the page.
    "DNS_TIMEOUT": 3,
    # The key SSO client secrets are encrypted with (any string, kept apart from the
    # database). None: one derived from SECRET_KEY, which check cosmo_scim.W003 flags in a
    # deployment (sso/client_secrets.py).
    "SSO_SECRET_KEY": None,
}

REQUIRED = ("ORGANIZATION_MODEL", "MEMBERSHIP_MODEL", "TEAM_MODEL")


# Settings whose dict is merged over its default rather than replacing it.
FIELD_MAPS = ("ORGANIZATION_FIELDS", "MEMBERSHIP_FIELDS", "TEAM_FIELDS", "PERSON_FIELDS")


def get(name: str) -> Any:
    """The effective value of one COSMO_SCIM setting."""
    if name not in DEFAULTS:
        raise ImproperlyConfigured(f"Unknown COSMO_SCIM setting {name!r}")
    value = getattr(settings, "COSMO_SCIM", {}).get(name, DEFAULTS[name])
    if name in FIELD_MAPS:
        return {**DEFAULTS[name], **value}
    if value is None and name in REQUIRED:
        raise ImproperlyConfigured(f"COSMO_SCIM[{name!r}] must name a model, e.g. 'orgs.Org'")
    return value


def host_model(name: str) -> type[Model]:
    """The host model the setting ``name`` names (``ImproperlyConfigured`` if none)."""
    try:
        return apps.get_model(get(name), require_ready=False)
    except (ValueError, LookupError) as exc:
        raise ImproperlyConfigured(f"COSMO_SCIM[{name!r}] = {get(name)!r}: {exc}") from exc


def public_base_url() -> str:
    base = get("PUBLIC_BASE_URL") or getattr(settings, "PUBLIC_BASE_URL", None)
    if not base:
        raise ImproperlyConfigured(
            "Set COSMO_SCIM['PUBLIC_BASE_URL'] (or PUBLIC_BASE_URL): invitation emails "
            "need an absolute link."
        )
    return str(base).rstrip("/")


def organization_model() -> type[Model]:
    return host_model("ORGANIZATION_MODEL")


def membership_model() -> type[Model]:
    return host_model("MEMBERSHIP_MODEL")


def team_model() -> type[Model]:
    return host_model("TEAM_MODEL")


_hooks: dict[str, Any] = {}


def hook(name: str) -> Any:
    """Import (once) the callable a setting names."""
    if name not in _hooks:
        _hooks[name] = import_string(get(name))
    return _hooks[name]


def _forget_hooks(*, setting: str, **kwargs: Any) -> None:
    if setting == "COSMO_SCIM":
        _hooks.clear()


setting_changed.connect(_forget_hooks)
