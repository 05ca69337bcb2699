"""What the hostile-input tests share: the poisons, the database snapshot that proves
nothing changed, and the check that an answer is a SCIM error."""

import json

from django.apps import apps

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
# What PostgreSQL cannot store: a NUL, and a lone UTF-16 surrogate (valid as a JSON escape).
POISONS = {"nul": "a\x00b", "surrogate": "a\ud800b"}
# The host's tables a SCIM request may write, beside cosmo_scim's own.
HOST_MODELS = ("accounts.User", "organizations.Membership", "organizations.Team")
# Written by reads too: a key's last use (bounded to a write a minute).
VOLATILE = {"cosmo_scim.APIKey": {"last_used_at"}}


def db_state():
    """Every row a SCIM request could change, as plain values (for ``==``)."""
    models = [*apps.get_app_config("cosmo_scim").get_models()]
    models += [apps.get_model(label) for label in HOST_MODELS]
    state = {}
    for model in models:
        skip = VOLATILE.get(model._meta.label, set())
        rows = model.objects.order_by("pk").values()
        state[model._meta.label] = [{k: v for k, v in row.items() if k not in skip} for row in rows]
    return state


def assert_scim_error(response, status, scim_type=None):
    """A SCIM error body (RFC 7644 §3.12) with ``status`` (and ``scimType``, if given)."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/scim+json"
    assert response["Cache-Control"] == "no-store"
    body = json.loads(response.content)
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    return body
