"""An organization claims an email domain, proves it controls it with a DNS TXT record, and
an operator can take that back: the three state changes of ``VerifiedDomain``, each one
place for the admin and ``manage.py verify_domain`` alike.

A verified domain lets the organization's IdP change the logins of accounts at that domain
(ownership.py asks ``VerifiedDomain.objects.covers``), so verifying is audited, and so is a
refusal because another organization holds the domain; revoking is audited with the
operator who did it. A domain is verified by one organization at most: checked under the
claim's row lock, and enforced by the partial unique constraint
``cosmo_scim_domain_verified_once`` when two organizations verify at the same moment (the
loser's write fails inside a savepoint and becomes the same refusal, never an error).

The DNS question is asked before any transaction opens: it can take seconds, and no lock
is held while it does. What it found is then judged under the lock against the claim as
it is then (a revocation in between gave the claim a new token, so the old record no longer
counts).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import domain_dns
from ..domain_names import normalize
from ..host import Organization
from ..models import AuditEvent, VerifiedDomain
from ..models.domains import new_verification_token
from ..signals import Actor
from . import audit

Check = VerifiedDomain.Check


@dataclass(frozen=True)
class Outcome:
    """What one "Verify now" found: ``result`` is a ``VerifiedDomain.Check`` value, or
    ``"already"`` for a domain that was verified before this check."""

    domain: VerifiedDomain
    result: str
    detail: str = ""

    @property
    def verified(self) -> bool:
        return self.result in (Check.FOUND, "already")

    @property
    def message(self) -> str:
        claim = self.domain
        if self.result == Check.FOUND:
            return (
                f"Verified {claim.domain}: the identity provider of {claim.organization} may "
                "now change the logins of accounts at this domain."
            )
        if self.result == "already":
            return f"The domain {claim.domain} is verified already."
        if self.result == Check.ABSENT:
            return (
                f"No TXT record found at {claim.txt_name}. Publish the record; a new record "
                "can take a few minutes to be seen. Then verify again."
            )
        if self.result == Check.MISMATCH:
            return (
                f"The TXT records at {claim.txt_name} do not include {claim.txt_value}. "
                "Check the value for typos, or replace an old one, then verify again."
            )
        if self.result == Check.TAKEN:
            return (
                f"The domain {claim.domain} is verified by another organization and cannot "
                f"be verified for {claim.organization} as well. If the domain is yours, ask "
                "the product's operators to revoke that verification."
            )
        return (
            f"Could not check DNS now: {self.detail}. Nothing was changed; try again in a "
            "few minutes."
        )


def claim(organization: Organization, text: str) -> tuple[VerifiedDomain, bool]:
    """The organization's claim on the domain ``text`` names, made if it has none:
    ``(claim, created)``. Raises ``domain_names.InvalidDomain`` for text that names no
    domain an organization can verify."""
    return VerifiedDomain.objects.get_or_create(organization=organization, domain=normalize(text))


def verify(
    claimed: VerifiedDomain, actor: Actor, authorize: Callable[[], object] | None = None
) -> Outcome:
    """Look for the claim's TXT record and mark the domain verified if it is there.
    ``authorize``, if given, is called first in the transaction that writes what DNS
    answered (the admin re-reads the admin's right there, under lock: admin/scope.py)."""
    if claimed.is_verified:
        return Outcome(claimed, "already")
    try:
        found = domain_dns.txt_values(claimed.txt_name)
    except domain_dns.DnsUnavailable as unavailable:
        _note(claimed, Check.UNAVAILABLE)
        return Outcome(claimed, Check.UNAVAILABLE, str(unavailable))
    with transaction.atomic():
        if authorize is not None:
            authorize()
        locked = VerifiedDomain.objects.select_for_update().get(pk=claimed.pk)
        if locked.is_verified:
            return Outcome(locked, "already")
        if locked.txt_value not in found:
            _note(locked, Check.MISMATCH if found else Check.ABSENT)
            return Outcome(locked, locked.check_result)
        if _verified_elsewhere(locked) or not _mark_verified(locked):
            _note(locked, Check.TAKEN)
            audit.record_domain(
                AuditEvent.Action.DOMAIN_REFUSED,
                locked,
                actor,
                reason="The TXT record was found, but another organization has verified "
                "this domain.",
            )
            return Outcome(locked, Check.TAKEN)
        audit.record_domain(AuditEvent.Action.DOMAIN_VERIFIED, locked, actor)
        return Outcome(locked, Check.FOUND)


def _verified_elsewhere(locked: VerifiedDomain) -> bool:
    return (
        VerifiedDomain.objects.verified()
        .filter(domain=locked.domain)
        .exclude(organization_id=locked.organization_id)
        .exists()
    )


def _mark_verified(locked: VerifiedDomain) -> bool:
    """Write the verification; False when another organization's committed first (the
    partial unique constraint refuses the second)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            VerifiedDomain.objects.filter(pk=locked.pk).update(
                verified_at=now, revoked_at=None, checked_at=now, check_result=Check.FOUND
            )
    except IntegrityError:
        return False
    locked.verified_at, locked.revoked_at = now, None
    locked.checked_at, locked.check_result = now, Check.FOUND
    return True


def _note(claimed: VerifiedDomain, result: str) -> None:
    """Remember what the latest check found, for the admin's status line."""
    now = timezone.now()
    VerifiedDomain.objects.filter(pk=claimed.pk).update(checked_at=now, check_result=result)
    claimed.checked_at, claimed.check_result = now, result


def revoke(claimed: VerifiedDomain, actor: Actor, reason: str = "") -> bool:
    """End a verification (an operator's decision: the domain changed hands, say). The
    claim gets a new token, so the record published for the old one verifies nothing: to
    verify again, the organization publishes the new value. False if it was not verified."""
    with transaction.atomic():
        locked = VerifiedDomain.objects.select_for_update().get(pk=claimed.pk)
        if not locked.is_verified:
            return False
        locked.revoked_at = timezone.now()
        locked.token = new_verification_token()
        locked.checked_at, locked.check_result = None, ""
        locked.save(update_fields=("revoked_at", "token", "checked_at", "check_result"))
        audit.record_domain(AuditEvent.Action.DOMAIN_REVOKED, locked, actor, reason=reason)
    claimed.refresh_from_db()
    return True
