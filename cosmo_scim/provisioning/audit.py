"""The provisioning audit trail: one ``AuditEvent`` per provisioning state change.

The lifecycle service calls :func:`record` inside its transaction, so an event exists
exactly when its change committed. Values are stored as the service saw them; no profile
field holds a secret (SCIM passwords are never accepted), and the key is named by its name
and prefix only.
"""

from collections.abc import Collection, Mapping
from typing import Any, TypeAlias, cast

from ..host import Key, Membership
from ..host_fields import organization_id_of
from ..models import AuditEvent, ScimGroup, ScimUser, VerifiedDomain
from ..signals import Actor

# What a service changed: ``{field: (before, after)}``.
Changes: TypeAlias = Mapping[str, tuple[Any, Any]]


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _create(
    action: str, organization_id: Key, actor: Actor, changes: dict[str, Any], **subject: Any
) -> AuditEvent:
    api_key = actor.api_key
    return AuditEvent.objects.create(
        organization_id=organization_id,
        api_key=api_key,
        api_key_name=api_key.name if api_key else "",
        api_key_prefix=api_key.prefix if api_key else "",
        actor_user=cast(Any, actor.user),  # the host's user (AUTH_USER_MODEL), or None
        actor_name="" if api_key else str(actor),
        action=action,
        changes=changes,
        request_id=actor.request_id or "",
        remote_addr=actor.remote_addr or None,
        **subject,
    )


def _pairs(changes: Changes | None) -> dict[str, Any]:
    return {
        name: [_json(before), _json(after)] for name, (before, after) in (changes or {}).items()
    }


def record(
    action: str, scim_user: ScimUser, actor: Actor, changes: Changes | None = None, reason: str = ""
) -> AuditEvent:
    return _create(
        action,
        scim_user.organization_id,
        actor,
        _pairs(changes),
        membership_id=scim_user.membership_id,
        scim_id=scim_user.scim_id,
        user_name=scim_user.user_name,
        reason=reason,
    )


def record_unprovisioned(
    action: str,
    membership: Membership,
    user_name: str,
    actor: Actor,
    changes: Changes | None = None,
    reason: str = "",
) -> AuditEvent:
    """An event about a member the IdP never provisioned (an admin deactivating orphaned
    access): there is no SCIM id, and the person's email stands in for the userName."""
    return _create(
        action,
        organization_id_of(membership),
        actor,
        _pairs(changes),
        membership_id=membership.pk,
        user_name=user_name,
        reason=reason,
    )


def record_group(
    action: str,
    group: ScimGroup,
    actor: Actor,
    changes: Changes | None = None,
    *,
    added: Collection[str] = (),
    removed: Collection[str] = (),
) -> AuditEvent:
    """A group event: ``scim_id`` is the group's id; ``changes`` names the ``group`` (its
    displayName, so the trail reads right after a delete) next to ``{field: [before,
    after]}``; a member change adds ``members: {"added": [...], "removed": [...]}``, SCIM
    User ids."""
    entry = {"group": group.display_name, **_pairs(changes)}
    if added or removed:
        entry["members"] = {"added": sorted(added), "removed": sorted(removed)}
    return _create(action, group.organization_id, actor, entry, scim_id=group.scim_id)


def record_domain(
    action: str, verified_domain: VerifiedDomain, actor: Actor, reason: str = ""
) -> AuditEvent:
    """An event about an organization's email domain (verified, refused, revoked):
    ``changes`` names the ``domain``."""
    return _create(
        action,
        verified_domain.organization_id,
        actor,
        {"domain": verified_domain.domain},
        reason=reason,
    )


def record_sso(
    action: str,
    organization_id: Key,
    actor: Actor,
    *,
    subject: str,
    reason: str = "",
    scim_user: ScimUser | None = None,
) -> AuditEvent:
    """An SSO sign-in, link or refusal: ``changes`` names the IdP ``subject`` (never a
    token or an assertion), ``reason`` says why a sign-in was refused; the member, when the
    sign-in resolved to one."""
    member: dict[str, Any] = {}
    if scim_user is not None:
        member = {
            "membership_id": scim_user.membership_id,
            "scim_id": scim_user.scim_id,
            "user_name": scim_user.user_name,
        }
    return _create(action, organization_id, actor, {"subject": subject}, reason=reason, **member)
