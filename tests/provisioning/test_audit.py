"""The audit trail: one event per SCIM state change, none for a change that did not happen."""

import logging

import pytest
from django.test import Client
from scimkit import ScimClient, deactivate_patch, reactivate_patch, user_body

from cosmo_scim.models import AuditEvent

pytestmark = pytest.mark.django_db


def actions(org):
    return list(org.audit_events.order_by("id").values_list("action", flat=True))


def test_each_action_is_recorded_with_key_request_and_target(scim_key, org):
    api_key, secret = scim_key
    scim = ScimClient(Client(REMOTE_ADDR="10.1.2.3"), secret)
    body = {**user_body("jane@acme.example"), "password": "Okta-sends-a-password-1!"}
    created = scim.post("/Users", body, **{"X-Request-Id": "req-1"})
    scim_id = created.json()["id"]
    scim.put(f"/Users/{scim_id}", user_body("jane@acme.example", given="Janet"))
    scim.patch(f"/Users/{scim_id}", deactivate_patch())
    scim.patch(f"/Users/{scim_id}", reactivate_patch())
    scim.delete(f"/Users/{scim_id}")
    assert actions(org) == [
        "provisioned",
        "updated",
        "deactivated",
        "reactivated",
        "deactivated",
        "removed",
    ]
    provisioned = org.audit_events.get(action="provisioned")
    assert provisioned.api_key_name == "Okta"
    assert provisioned.api_key_prefix == api_key.prefix
    assert provisioned.request_id == "req-1"
    assert provisioned.remote_addr == "10.1.2.3"
    assert provisioned.scim_id == scim_id and provisioned.user_name == "jane@acme.example"
    assert provisioned.changes["given_name"] == [None, "Jane"]
    updated = org.audit_events.get(action="updated")
    assert updated.changes == {"given_name": ["Jane", "Janet"]}
    assert org.audit_events.filter(action="deactivated").first().changes == {
        "active": [True, False]
    }
    for event in org.audit_events.all():
        assert secret not in str(event.changes) and "Okta-sends" not in str(event.changes)


def test_no_event_for_a_rejected_or_rolled_back_request(scim, org, make_member):
    make_member(org, email="taken@acme.example")
    scim_id = scim.post("/Users", user_body("jane@acme.example")).json()["id"]
    before = actions(org)
    # 409: the new email is another member's login — the whole update rolls back.
    response = scim.put(f"/Users/{scim_id}", user_body("jane@acme.example", "taken@acme.example"))
    assert response.status_code == 409
    assert scim.post("/Users", user_body("jane@acme.example")).status_code == 409
    assert scim.patch(f"/Users/{scim_id}", {"Operations": "nonsense"}).status_code == 400
    assert actions(org) == before == ["provisioned"]


def test_a_deactivation_that_changes_nothing_records_nothing(scim, org):
    scim_id = scim.post("/Users", user_body("jane@acme.example")).json()["id"]
    scim.patch(f"/Users/{scim_id}", deactivate_patch())
    scim.patch(f"/Users/{scim_id}", deactivate_patch())
    assert actions(org) == ["provisioned", "deactivated"]


def test_failed_authentication_logs_the_prefix_only(client, scim_key, caplog):
    api_key, secret = scim_key
    wrong = secret[:-4] + "XXXX"
    with caplog.at_level(logging.WARNING, logger="cosmo_scim.auth"):
        response = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {wrong}")
    assert response.status_code == 401
    assert f"prefix={api_key.prefix}" in caplog.text
    assert wrong not in caplog.text and wrong.split(".")[1] not in caplog.text


def test_admin_lists_filters_and_searches_but_cannot_change(admin_client, scim, org):
    scim.post("/Users", user_body("jane@acme.example"))
    scim.post("/Users", user_body("john@acme.example"))
    url = "/admin/cosmo_scim/auditevent/"
    page = admin_client.get(url, {"q": "jane"}).content.decode()
    assert "jane@acme.example" in page and "john@acme.example" not in page
    filtered = admin_client.get(
        url, {"action__exact": "provisioned", "organization__id__exact": org.pk}
    )
    assert filtered.status_code == 200
    event = AuditEvent.objects.first()
    assert admin_client.get(f"{url}add/").status_code == 403
    detail = admin_client.post(f"{url}{event.pk}/change/", {"user_name": "x"})
    assert detail.status_code in (200, 403)
    event.refresh_from_db()
    assert event.user_name != "x"
    assert admin_client.post(f"{url}{event.pk}/delete/", {"post": "yes"}).status_code == 403
