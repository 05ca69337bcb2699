"""The provisioning audit trail: one ``AuditEvent`` per state change made through SCIM.

The lifecycle service calls :func:`record` inside its transaction, so an event exists
exactly when its change committed. Values are stored as the service saw them; no profile
field holds a secret (SCIM passwords are never accepted), and the key is named by its name
and prefix only.
"""

from .models import AuditEvent


def _json(value):
    return list(value) if isinstance(value, tuple) else value


def record(action, scim_user, actor, changes=None):
    api_key = actor.api_key
    return AuditEvent.objects.create(
        organization_id=scim_user.organization_id,
        api_key=api_key,
        api_key_name=api_key.name if api_key else "",
        api_key_prefix=api_key.prefix if api_key else "",
        action=action,
        membership_id=scim_user.membership_id,
        scim_id=scim_user.scim_id,
        user_name=scim_user.user_name,
        changes={
            name: [_json(before), _json(after)] for name, (before, after) in (changes or {}).items()
        },
        request_id=actor.request_id or "",
        remote_addr=actor.remote_addr or None,
    )
