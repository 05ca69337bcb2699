"""Organization API keys: format, hashing, and the rules every caller relies on."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cosmo_scim import keys
from cosmo_scim.models import APIKey

pytestmark = pytest.mark.django_db


def test_key_is_recognisable_and_high_entropy(org, make_key):
    api_key, key = make_key(org)
    assert key.startswith("cosmo_")
    prefix, _, secret = key.removeprefix("cosmo_").partition(".")
    assert prefix == api_key.prefix and len(prefix) == 8
    assert len(secret) == 40 and secret.isalnum()


def test_only_a_hash_is_stored(org, make_key):
    api_key, key = make_key(org)
    secret = key.partition(".")[2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cosmo_scim_apikey WHERE prefix = %s", [api_key.prefix])
        row = cursor.fetchone()
    stored = " ".join(str(value) for value in row)
    assert secret not in stored and key not in stored
    assert api_key.hashed_key.startswith("sha512$$")


def test_authenticate_resolves_key_and_organization_in_one_query(
    per_process_cache, org, make_key, django_assert_num_queries
):
    api_key, key = make_key(org)
    APIKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    with django_assert_num_queries(1):
        found = keys.authenticate(f"Bearer {key}")
        assert found.organization == org
    assert found.pk == api_key.pk


def test_last_used_is_written_at_most_once_a_minute(
    per_process_cache, org, make_key, django_assert_num_queries
):
    api_key, key = make_key(org)
    with django_assert_num_queries(2):  # the read, then the first last_used_at write
        keys.authenticate(f"Bearer {key}")
    first = APIKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):
        keys.authenticate(f"Bearer {key}")
    APIKey.objects.filter(pk=api_key.pk).update(last_used_at=first - timedelta(seconds=61))
    keys.authenticate(f"Bearer {key}")
    assert APIKey.objects.get(pk=api_key.pk).last_used_at > first - timedelta(seconds=61)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-cosmo-key",
        "Bearer cosmo_short.secret",
        "Bearer cosmo_ABCDEFGH." + "x" * 40,
    ],
)
def test_malformed_or_unknown_credentials_are_refused(org, make_key, header):
    make_key(org)
    with pytest.raises(keys.KeyRejected):
        keys.authenticate(header)


def test_right_prefix_wrong_secret_is_refused(org, make_key):
    api_key, key = make_key(org)
    forged = key[:-1] + ("A" if key[-1] != "A" else "B")
    with pytest.raises(keys.KeyRejected) as excinfo:
        keys.authenticate(f"Bearer {forged}")
    assert excinfo.value.prefix == api_key.prefix


def test_expired_key_is_refused(org, make_key):
    _, key = make_key(org, expiry_date=timezone.now() - timedelta(seconds=1))
    with pytest.raises(keys.KeyRejected, match="expired"):
        keys.authenticate(f"Bearer {key}")


def test_key_with_future_expiry_works(org, make_key):
    _, key = make_key(org, expiry_date=timezone.now() + timedelta(days=1))
    assert keys.authenticate(f"Bearer {key}").organization == org


def test_revoked_key_is_refused_and_revocation_is_final(org, make_key):
    api_key, key = make_key(org)
    api_key.revoked = True
    api_key.save()
    with pytest.raises(keys.KeyRejected, match="revoked"):
        keys.authenticate(f"Bearer {key}")
    reloaded = APIKey.objects.get(pk=api_key.pk)
    reloaded.revoked = False
    with pytest.raises(Exception, match="cannot be undone"):
        reloaded.save()


def test_rejections_log_the_prefix_never_the_key(org, make_key, caplog):
    api_key, key = make_key(org)
    wrong = key[:-1] + ("Z" if key[-1] != "Z" else "Y")  # a random key may end in Z
    with pytest.raises(keys.KeyRejected) as rejected:
        keys.authenticate(f"Bearer {wrong}")
    keys.log_rejection(rejected.value, "203.0.113.9")
    assert api_key.prefix in caplog.text
    assert key.partition(".")[2][:-1] not in caplog.text


def test_one_rule_decides_whether_a_key_can_act(org, make_key):
    """APIKey.refusal is the rule authentication, rotation, the orphaned access report and
    the admin share; a key works up to its expiry instant, as the library's has_expired."""
    from datetime import timedelta

    from django.utils import timezone

    from cosmo_scim.models import EXPIRED, REVOKED

    now = timezone.now()
    api_key, _ = make_key(org, expiry_date=now)
    assert api_key.refusal(now) is None
    assert api_key.refusal(now + timedelta(microseconds=1)) == EXPIRED
    api_key.revoked = True
    assert api_key.refusal(now) == REVOKED
