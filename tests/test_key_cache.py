"""The verified-key cache (cosmo_scim/key_cache.py): authentication without a query, and
every change that refuses a key refusing it on the very next request.

In-process here, against the shared cache of the run (Redis with CACHE_URL, else a file
cache); across two processes — a gunicorn worker with its own cache connection, and this
test changing the database — in test_key_cache_processes.py.
"""

import pickle
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from scimkit import ScimClient, deactivate_patch

from cosmo_scim import key_cache, keys
from cosmo_scim.models import APIKey
from cosmo_scim.provisioning import lifecycle

pytestmark = pytest.mark.django_db


def queries(fn, *args):
    with CaptureQueriesContext(connection) as captured:
        result = fn(*args)
    return len(captured), result


def refused(key):
    with pytest.raises(keys.KeyRejected) as rejected:
        keys.authenticate(f"Bearer {key}")
    return rejected.value.reason


@pytest.fixture
def remembered(shared_cache, org, make_key):
    """A SCIM key that has authenticated once, so the cache holds it."""
    api_key, key = make_key(org)
    keys.authenticate(f"Bearer {key}")
    return api_key, key


def test_a_remembered_key_costs_no_query(remembered, org):
    api_key, key = remembered
    count, found = queries(keys.authenticate, f"Bearer {key}")
    assert count == 0
    assert found.pk == api_key.pk and found.organization == org
    assert found.organization.plan == "enterprise"


def test_the_first_request_reads_the_key_and_records_its_use(shared_cache, org, make_key):
    api_key, key = make_key(org)
    count, _ = queries(keys.authenticate, f"Bearer {key}")
    assert count == 2  # the key with its organization, the last_used_at write
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_a_wrong_secret_is_refused_from_the_cache_too(remembered):
    _api_key, key = remembered
    forged = key[:-1] + ("A" if key[-1] != "A" else "B")
    count, _ = queries(refused, forged)
    assert count == 0  # checked against the remembered hash, not waved through
    assert refused(forged) == "Unknown API key"


def test_the_cache_holds_the_hash_never_the_key(remembered):
    api_key, key = remembered
    raw = caches["default"].get(f"cosmo_scim:verified-key:{api_key.prefix}")
    blob = pickle.dumps(raw)
    secret = key.partition(".")[2]
    assert secret.encode() not in blob and key.encode() not in blob
    assert api_key.hashed_key.encode() in blob


def test_revocation_in_the_admin_form_or_model_refuses_the_next_request(remembered):
    api_key, key = remembered
    api_key.revoked = True
    api_key.save()
    assert refused(key) == "API key has been revoked"


def test_the_admin_revoke_action_refuses_the_next_request(remembered, admin_client):
    api_key, key = remembered
    response = admin_client.post(
        "/admin/cosmo_scim/apikey/",
        {"action": "revoke_keys", "_selected_action": [api_key.pk]},
    )
    assert response.status_code == 302
    assert refused(key) == "API key has been revoked"


def test_rotation_refuses_the_old_key_and_accepts_the_new(remembered):
    api_key, key = remembered
    new, plaintext = APIKey.objects.rotate(api_key)
    assert refused(key) == "API key has been revoked"
    assert keys.authenticate(f"Bearer {plaintext}").pk == new.pk


def test_an_expiry_set_later_refuses_the_next_request(remembered):
    api_key, key = remembered
    APIKey.objects.filter(pk=api_key.pk).update_access(expiry_date=timezone.now() - timedelta(1))
    assert refused(key) == "API key has expired"


def test_a_remembered_key_expires_on_time(shared_cache, org, make_key):
    """Expiry is checked against the clock on every request, not when the key was
    remembered."""
    api_key, key = make_key(org, expiry_date=timezone.now() + timedelta(hours=1))
    keys.authenticate(f"Bearer {key}")
    later = timezone.now() + timedelta(hours=2)
    remembered = key_cache.lookup(api_key.prefix).api_key
    assert remembered is not None and remembered.refusal(now=later) == "expired"


def test_deactivating_the_creator_revokes_and_refuses_their_key(
    shared_cache, org, make_key, make_member
):
    """A departing member's keys are revoked with a bulk UPDATE (``revoke_created_by``),
    which sends no model signal: ``update_access`` announces them (receivers.py retires)."""
    creator = make_member(org, role="admin")
    idp_key, idp = make_key(org, name="IdP")
    _, theirs = make_key(org, name="Theirs", created_by=creator.user)
    keys.authenticate(f"Bearer {theirs}")
    lifecycle.deactivate_membership(
        creator, actor=lifecycle.Actor(via="orphaned access review"), reason="left"
    )
    assert refused(theirs) == "API key has been revoked"
    assert keys.authenticate(f"Bearer {idp}").pk == idp_key.pk


def test_a_scim_deactivation_of_the_creator_refuses_their_key(
    shared_cache, client, org, make_key, make_member
):
    from cosmo_scim.models import ScimUser

    creator = make_member(org, role="admin", email="ann@acme.example")
    _, idp = make_key(org, name="IdP")
    _, theirs = make_key(org, name="Ann's", created_by=creator.user)
    scim = ScimClient(client, idp)
    user = ScimUser.objects.create(organization=org, membership=creator, user_name="ann")
    assert ScimClient(client, theirs).get("/Users").status_code == 200
    response = scim.patch(f"/Users/{user.scim_id}", deactivate_patch())
    assert response.status_code == 200, response.content
    assert ScimClient(client, theirs).get("/Users").status_code == 401


def test_a_plan_downgrade_saved_on_the_organization_refuses_the_next_request(
    shared_cache, client, org, make_key
):
    _, key = make_key(org)
    scim = ScimClient(client, key)
    assert scim.get("/ServiceProviderConfig").status_code == 200
    org.plan = "team"
    org.save()
    response = scim.get("/ServiceProviderConfig")
    assert response.status_code == 403
    assert "requires the Enterprise plan" in response.json()["detail"]


def test_a_change_without_signal_is_announced_with_organization_changed(
    shared_cache, client, org, make_key
):
    """``QuerySet.update()`` on the host's model sends no signal: the host calls
    ``key_cache.organization_changed`` (docs/integrate.md). Until it does, the remembered
    organization still reads as it was."""
    from cosmo_project.organizations.models import Organization

    _, key = make_key(org)
    scim = ScimClient(client, key)
    assert scim.get("/ServiceProviderConfig").status_code == 200
    with transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(plan="free")
        assert scim.get("/ServiceProviderConfig").status_code == 200  # not announced yet
        key_cache.organization_changed(org.pk)
    assert scim.get("/ServiceProviderConfig").status_code == 403


def test_deleting_the_organization_refuses_its_key(remembered, org):
    _, key = remembered
    org.delete()
    assert refused(key) == "Unknown API key"


def test_a_reader_that_raced_the_change_cannot_store_a_stale_key(
    shared_cache, org, make_key, django_capture_on_commit_callbacks
):
    """Worker A misses and reads the key row; worker B revokes and commits; A stores what it
    read. The version replaced after B's commit retires A's entry."""
    api_key, key = make_key(org)
    stale_read = key_cache.lookup(api_key.prefix)  # A: a miss, with the version it saw
    stale_row = APIKey.objects.select_related("organization").get(pk=api_key.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():  # B
        APIKey.objects.filter(pk=api_key.pk).revoke()
    stale_read.remember(stale_row)  # A, late
    assert key_cache.lookup(api_key.prefix).api_key is None
    assert refused(key) == "API key has been revoked"


def test_between_change_and_commit_readers_go_to_the_database(
    shared_cache, org, make_key, django_capture_on_commit_callbacks
):
    """The version is replaced inside the changing transaction too: from then on nothing
    remembered is used, and what a reader stores meanwhile is retired at the commit."""
    api_key, key = make_key(org)
    keys.authenticate(f"Bearer {key}")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            api_key.revoked = True
            api_key.save()
            assert key_cache.lookup(api_key.prefix).api_key is None
            midway = key_cache.lookup(api_key.prefix)
        midway.remember(APIKey.objects.select_related("organization").get(pk=api_key.pk))
    assert key_cache.lookup(api_key.prefix).api_key is None


def test_a_per_process_cache_remembers_nothing(per_process_cache, org, make_key):
    """LocMemCache cannot hear another process's revocation, so every request reads the
    database."""
    _, key = make_key(org)
    keys.authenticate(f"Bearer {key}")
    count, _ = queries(keys.authenticate, f"Bearer {key}")
    assert count == 1


def test_an_unreachable_cache_falls_back_to_the_database(settings, org, make_key, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    api_key, key = make_key(org)
    assert keys.authenticate(f"Bearer {key}").pk == api_key.pk
    api_key.revoked = True
    api_key.save()  # its retirement fails and is logged
    assert refused(key) == "API key has been revoked"
    assert "API key cache unavailable" in caplog.text
    assert key not in caplog.text and api_key.hashed_key not in caplog.text
