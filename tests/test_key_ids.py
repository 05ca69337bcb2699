"""An API key's primary key tells nothing about the key (issue 14's hygiene item):
djangorestframework-api-key made it ``<prefix>.<SHA-512 of the key>``, so admin URLs,
access logs and every row naming the key carried its verifier. Keys now get random ids
(models.keys.new_key_id), and migration 0010 moves existing keys and the rows that name
them to one."""

import importlib
import logging
import re
import uuid

import pytest
from django.db import connection
from rest_framework_api_key.models import BaseAPIKeyManager
from scimkit import ScimClient, okta_user

from cosmo_scim import keys
from cosmo_scim.models import APIKey, AuditEvent, ScimUser

pytestmark = pytest.mark.django_db


def digest(api_key):
    return api_key.hashed_key.partition("$$")[2]


def test_a_new_key_has_a_random_id(org, make_key):
    api_key, _key = make_key(org)
    assert str(uuid.UUID(api_key.pk)) == api_key.pk
    assert digest(api_key) not in api_key.pk and api_key.prefix not in api_key.pk
    rotated, _ = APIKey.objects.rotate(api_key)
    assert str(uuid.UUID(rotated.pk)) == rotated.pk


def test_admin_pages_audit_rows_and_logs_never_show_the_hash_or_the_key(
    admin_client, org, make_key, caplog
):
    """A key is created, used, mistyped, rotated and revoked through the admin and SCIM;
    no page, no redirect, no audit row and no log line (at DEBUG, every logger) carries
    the key's secret or its hash — the page that shows a new key once excepted."""
    caplog.set_level(logging.DEBUG)
    response = admin_client.post(
        "/admin/cosmo_scim/apikey/add/",
        {"organization": org.pk, "name": "Okta", "scim": "on"},
        follow=True,
    )
    plaintext = re.search(r"cosmo_[A-Za-z0-9]{8}\.[A-Za-z0-9]{40}", response.content.decode())
    plaintext = plaintext.group(0)
    api_key = APIKey.objects.get(prefix=plaintext[6:14])
    scim = ScimClient(admin_client, plaintext)
    assert scim.post("/Users", okta_user("ann@acme.example")).status_code == 201
    assert ScimClient(admin_client, plaintext[:-1] + "x").get("/Users").status_code == 401
    pages = [
        admin_client.get("/admin/cosmo_scim/apikey/"),
        admin_client.get(f"/admin/cosmo_scim/apikey/{api_key.pk}/change/"),
        admin_client.get(f"/admin/cosmo_scim/apikey/{api_key.pk}/rotate/"),
        admin_client.get("/admin/cosmo_scim/auditevent/"),
    ]
    rotated = admin_client.post(f"/admin/cosmo_scim/apikey/{api_key.pk}/rotate/", follow=True)
    successor = APIKey.objects.get(replaces=api_key)
    pages += [admin_client.get(f"/admin/cosmo_scim/apikey/{successor.pk}/change/")]
    secrets = [
        plaintext,
        plaintext.partition(".")[2],
        digest(api_key),
        digest(successor),
        successor.hashed_key,
    ]
    for page in pages:
        assert page.status_code == 200
        assert not any(s in page.content.decode() for s in secrets), page.request["PATH_INFO"]
    assert digest(successor) not in rotated.content.decode()  # the new key is shown once
    for event in AuditEvent.objects.values():
        assert not any(s in str(event) for s in secrets)
    assert AuditEvent.objects.filter(api_key_id=api_key.pk).exists()
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert not any(s in logged for s in secrets)
    assert api_key.prefix in logged  # the refusal names the prefix, which is no secret


def legacy_key(org, name):
    """A key as djangorestframework-api-key made them before 0010: id = prefix.hash."""
    obj = APIKey(organization=org, name=name, scim=True)
    plaintext = BaseAPIKeyManager.assign_key(APIKey.objects, obj)
    assert obj.pk == f"{obj.prefix}.{obj.hashed_key}"
    obj.save(force_insert=True)
    return obj, plaintext


def test_migration_0010_gives_existing_keys_random_ids_and_keeps_every_reference(org, make_member):
    old, old_plaintext = legacy_key(org, "Okta 2023")
    successor, plaintext = legacy_key(org, "Okta")
    APIKey.objects.filter(pk=successor.pk).update(replaces=old)
    member = make_member(org)
    scim_user = ScimUser.objects.create(
        organization=org, membership=member, user_name="ann", idp_key_id=successor.pk
    )
    event = AuditEvent.objects.create(
        organization=org, api_key_id=successor.pk, action=AuditEvent.Action.PROVISIONED
    )

    migration = importlib.import_module("cosmo_scim.migrations.0010_opaque_key_ids")

    class Editor:  # RunPython's function needs only the connection of its schema editor
        pass

    Editor.connection = connection
    from django.apps import apps

    migration.opaque_ids(apps, Editor())
    connection.check_constraints()  # the foreign keys all point at rows that exist

    renamed = APIKey.objects.get(prefix=successor.prefix)
    assert str(uuid.UUID(renamed.pk)) == renamed.pk
    assert renamed.hashed_key == successor.hashed_key
    assert renamed.replaces.prefix == old.prefix and "." not in renamed.replaces_id
    scim_user.refresh_from_db()
    event.refresh_from_db()
    assert scim_user.idp_key_id == renamed.pk and event.api_key_id == renamed.pk
    assert not APIKey.objects.filter(pk__contains=".").exists()
    # Issued keys keep working: found by prefix, checked against their unchanged hash.
    assert keys.authenticate(f"Bearer {plaintext}").pk == renamed.pk
    assert keys.authenticate(f"Bearer {old_plaintext}").pk == renamed.replaces_id
