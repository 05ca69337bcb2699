"""Who an SSO sign-in is: the IdP's subject, inside the connection's organization.

An SSO identity is (connection, subject). Once linked, later sign-ins find the member by it,
whatever the IdP now says the email is. The first sign-in links to the member of *this*
organization that its SCIM provisioning made (never anyone else's, never a new account: no
just-in-time membership, which would be access nobody provisioned):

1. whose SCIM ``userName`` or ``externalId`` equals the identifying claim (the OIDC ``sub``,
   the SAML NameID, or the claim the connection names), ignoring case by the one rule for
   addresses (addresses.py); else
2. whose SCIM email, as this organization's IdP provisioned it, is the asserted email — only
   in a domain this organization has verified (a DNS record proves it controls the domain's
   mailboxes; no other organization's IdP can assert such an address for it).

Anything else is refused, nothing created or linked. An email alone is never enough: A's
IdP can assert any address, B's member's included (the reason docs/integrate.md no longer
advises pairing by email). A member the IdP deactivated or deleted is refused at the door;
a member awaiting consent (an account this organization did not create) only through the
invitation their email carries. Every sign-in, link and refusal is an audit event of the
connection's organization.

The decision and the login run in one transaction under the SCIM user's and then the
person's row lock — the order the provisioning services take them — so a deactivation that
races a sign-in either comes first (refused) or ends the session just made (its index row is
written before the lock is released).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from .. import conf, host_fields
from ..addresses import AddressKey, address_key, with_address
from ..host import Key, Organization
from ..models import AuditEvent, ScimUser, SsoConnection, SsoIdentity, VerifiedDomain
from ..provisioning import audit
from ..provisioning.lifecycle import Actor
from . import entry

Action = AuditEvent.Action


@dataclass(frozen=True)
class Assertion:
    """What the IdP said, after django-allauth validated the token or the SAML response."""

    connection: SsoConnection
    subject: str
    email: str = ""


class Refused(Exception):
    """A sign-in that signs nobody in. ``code`` is for the audit trail and tests;
    ``message`` is what the person reads (what to do), ``detail`` what the admin reads."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.message, self.detail = code, message, detail


def _product() -> str:
    return conf.get("PRODUCT_NAME") or "this product"


def not_provisioned(organization: Organization) -> Refused:
    return Refused(
        "not_provisioned",
        f"Your identity provider signed you in, but {organization} has not given you access "
        f"to {_product()}: ask your administrator to assign you the {_product()} app.",
    )


def _match(connection: SsoConnection, assertion: Assertion) -> list[ScimUser]:
    """The organization's SCIM users the assertion's subject or email names (rule 1, else
    rule 2), at most two, without a lock. Compared by the one case rule for addresses
    (addresses.py: ASCII letters fold, nothing else does), which the subject follows too:
    a userName is most often an address."""
    users = ScimUser.objects.filter(organization_id=connection.organization_id)
    subject = address_key(assertion.subject)
    found: list[ScimUser] = list(
        users.alias(_name=AddressKey("user_name"), _external=AddressKey("external_id")).filter(
            Q(_name=subject) | Q(_external=subject)
        )[:2]
    )
    if found or not assertion.email:
        return found
    if not VerifiedDomain.objects.covers(connection.organization, assertion.email):
        return []
    return list(with_address(users, "emails__value", assertion.email).distinct()[:2])


def _candidate(
    connection: SsoConnection, assertion: Assertion
) -> tuple[ScimUser | None, SsoIdentity | None]:
    """(the SCIM user this sign-in names or None, the identity already linked or None)."""
    identity = (
        SsoIdentity.objects.filter(connection=connection, subject=assertion.subject)
        .only("pk", "person_id")
        .first()
    )
    users = ScimUser.objects.filter(organization_id=connection.organization_id)
    if identity is not None:
        person = host_fields.membership_path("person")
        return users.filter(**{person: identity.person_id}).first(), identity
    found = _match(connection, assertion)
    if len(found) > 1:
        raise Refused(
            "ambiguous",
            f"More than one member of {connection.organization} matches this sign-in: ask "
            "your administrator to check the members' SCIM userName and externalId.",
            f"subject {assertion.subject!r} matches several members",
        )
    return (found[0] if found else None), None


def _locked(scim_user: ScimUser) -> ScimUser | None:
    """The SCIM user re-read after taking its row lock and then the person's. The read is a
    statement of its own: under READ COMMITTED it sees what committed while the lock was
    awaited (a deactivation writes the membership), which the rows joined to a locking
    statement would not (PostgreSQL re-checks only the locked row)."""
    if not ScimUser.objects.select_for_update().filter(pk=scim_user.pk).exists():
        return None
    person_id = host_fields.person_of(scim_user.membership).pk
    get_user_model()._default_manager.select_for_update().filter(pk=person_id).exists()
    person = host_fields.membership_path("person")
    return ScimUser.objects.select_related(person, "organization").filter(pk=scim_user.pk).first()


def _admit(scim_user: ScimUser, invited_membership_id: Key | None) -> None:
    """Refuse a member the IdP deactivated, or one awaiting consent outside their
    invitation."""
    organization = scim_user.organization
    person = host_fields.person_of(scim_user.membership)
    if host_fields.is_active(scim_user.membership) and person.is_active:
        return
    if scim_user.consent_pending and person.is_active:
        if scim_user.membership_id == invited_membership_id:
            return
        raise Refused(
            "consent_pending",
            f"{organization} added an account you already had. Open the invitation email "
            f"{organization} sent you and continue from there to accept it first.",
        )
    raise Refused(
        "deactivated",
        f"Your access to {organization} has been deactivated. Ask your administrator if "
        "this is a mistake.",
    )


def resolve(
    assertion: Assertion, *, invited_membership_id: Key | None = None
) -> tuple[ScimUser, SsoIdentity | None]:
    """The SCIM user this assertion signs in as, read and checked under the locks (the
    caller holds the transaction). Raises :class:`Refused`."""
    connection = assertion.connection
    scim_user, identity = _candidate(connection, assertion)
    current = _locked(scim_user) if scim_user is not None else None
    if current is None:
        raise not_provisioned(connection.organization)
    # Under the lock: the identity must still be what was read, or the member must still
    # match (a concurrent SCIM change of userName is decided before or after, not between).
    if identity is None:
        if SsoIdentity.objects.filter(connection=connection, subject=assertion.subject).exists():
            raise Refused("retry", "Your sign-in crossed another one: please sign in again.")
        if current.pk not in {user.pk for user in _match(connection, assertion)}:
            raise not_provisioned(connection.organization)
    _admit(current, invited_membership_id)
    return current, identity


def _record(action: str, assertion: Assertion, actor: Actor, scim_user: ScimUser) -> None:
    organization_id = assertion.connection.organization_id
    audit.record_sso(action, organization_id, actor, subject=assertion.subject, scim_user=scim_user)


def _link(
    connection: SsoConnection, assertion: Assertion, scim_user: ScimUser, actor: Actor
) -> SsoIdentity:
    person = host_fields.person_of(scim_user.membership)
    if SsoIdentity.objects.filter(connection=connection, person=person).exists():
        raise Refused(
            "subject_changed",
            f"Your {connection.name} identity changed since you last signed in to "
            f"{connection.organization}. Ask your administrator to check the connection.",
            f"{scim_user.user_name} is linked to another subject of this connection",
        )
    identity = SsoIdentity.objects.create(
        connection=connection, subject=assertion.subject, person=person
    )
    _record(Action.SSO_LINKED, assertion, actor, scim_user)
    return identity


def actor_for(request: HttpRequest, connection: SsoConnection) -> Actor:
    return Actor(
        via=f"SSO connection {connection.name!r}",
        remote_addr=request.META.get("REMOTE_ADDR"),
    )


def refuse(request: HttpRequest, connection: SsoConnection, subject: str, refused: Refused) -> None:
    """Audit a refusal (outside any transaction the sign-in rolled back)."""
    audit.record_sso(
        Action.SSO_REFUSED,
        connection.organization_id,
        actor_for(request, connection),
        subject=subject,
        reason=f"{refused.code}: {refused.detail or refused.message}",
    )


def sign_in(
    request: HttpRequest, assertion: Assertion, *, invited_membership_id: Key | None = None
) -> ScimUser:
    """Sign the person the assertion resolves to in, for the connection's organization.
    Returns their SCIM user; raises :class:`Refused` (audited)."""
    connection = assertion.connection
    actor = actor_for(request, connection)
    try:
        with transaction.atomic():
            scim_user, identity = resolve(assertion, invited_membership_id=invited_membership_id)
            if identity is None:
                identity = _link(connection, assertion, scim_user, actor)
            SsoIdentity.objects.filter(pk=identity.pk).update(last_sign_in_at=timezone.now())
            person = host_fields.person_of(scim_user.membership)
            entry.signing_in(request, connection)
            login(request, person, backend=settings.AUTHENTICATION_BACKENDS[0])
            entry.signed_in(request, connection)
            _record(Action.SSO_SIGNED_IN, assertion, actor, scim_user)
            return scim_user
    except Refused as refused:
        refuse(request, connection, assertion.subject, refused)
        raise
