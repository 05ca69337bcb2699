"""Rate limits: a key over its budget gets 429 with Retry-After while another organization's
key is unaffected; failed authentications per address; the budget is shared by processes
when the cache is Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from scimkit import ScimClient

pytestmark = pytest.mark.django_db

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limits(settings):
    def set_limits(rate=None, failures=None):
        settings.COSMO_SCIM = {
            **settings.COSMO_SCIM,
            "RATE_LIMIT": rate,
            "AUTH_FAILURE_LIMIT": failures,
        }

    return set_limits


def in_one_window(scenario, tries=5):
    """Run ``scenario`` inside one one-second window of the per-key budget, from a fresh
    count. On a machine so loaded that a window ends midway, run it again."""
    from django.core.cache import cache

    for _ in range(tries):
        cache.clear()
        while time.time() % 1 > 0.2:
            time.sleep(0.01)
        window = int(time.time())
        result = scenario()
        if int(time.time()) == window:
            return result
    pytest.fail("every try straddled two one-second windows")


def assert_429(response):
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/scim+json"
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == "429"
    return body


def test_a_key_over_its_budget_gets_429_and_another_tenants_key_does_not(limits, scim, other_scim):
    limits(rate=5)

    def flood():
        within = [scim.get("/Users").status_code for _ in range(5)]
        return (
            within,
            scim.get("/Users"),
            scim.post("/Users", {"userName": "x"}),
            other_scim.get("/Users"),
        )

    within, over, post, other = in_one_window(flood)
    assert within == [200] * 5
    assert "5 per second" in assert_429(over)["detail"]
    assert_429(post)  # every verb counts
    assert other.status_code == 200  # the other tenant's budget is its own


def test_the_budget_refills(limits, scim):
    limits(rate=2)
    statuses, response = in_one_window(
        lambda: ([scim.get("/Users").status_code for _ in range(2)], scim.get("/Users"))
    )
    assert statuses == [200, 200]
    assert_429(response)
    time.sleep(int(response["Retry-After"]))
    assert scim.get("/Users").status_code == 200


def test_a_refused_request_changes_nothing(limits, scim):
    from cosmo_scim.models import ScimUser

    limits(rate=1)
    first, refused = in_one_window(
        lambda: (scim.get("/Users"), scim.post("/Users", {"userName": "jane@acme.example"}))
    )
    assert first.status_code == 200
    assert_429(refused)
    assert not ScimUser.objects.exists()


def test_bad_keys_from_one_address_get_429_but_a_good_key_from_it_still_works(limits, client, scim):
    limits(failures=3)
    bad = ScimClient(client, "cosmo_AbCdEfGh.not-the-secret")
    assert [bad.get("/Users").status_code for _ in range(3)] == [401] * 3
    body = assert_429(bad.get("/Users"))
    assert "failed authentications" in body["detail"]
    assert int(bad.get("/Users")["Retry-After"]) <= 60
    assert scim.get("/Users").status_code == 200  # same address, the tenant's good key
    other_address = ScimClient(Client(REMOTE_ADDR="203.0.113.9"), "cosmo_AbCdEfGh.nope")
    assert other_address.get("/Users").status_code == 401


def test_failed_authentications_do_not_spend_a_keys_budget(limits, client, scim, scim_key):
    limits(rate=2)
    guess = ScimClient(client, f"cosmo_{scim_key[0].prefix}.wrong-secret")
    guesses, good = in_one_window(
        lambda: ([guess.get("/Users").status_code for _ in range(5)], scim.get("/Users"))
    )
    assert guesses == [401] * 5
    assert good.status_code == 200


# -- shared by processes on Redis ----------------------------------------------------------

SPEND = """
import sys, time, django
django.setup()
from cosmo_scim.scim import throttle
prefix, count = sys.argv[1], int(sys.argv[2])
print("ready", flush=True)
for _ in sys.stdin:
    while time.time() % 1 > 0.2:
        time.sleep(0.01)
    for _ in range(count):
        throttle._count(f"key:{prefix}", throttle.KEY_WINDOW)
    print(int(time.time()), flush=True)
"""


@pytest.mark.redis
def test_the_budget_is_shared_by_processes_on_redis(limits, scim, scim_key, other_scim):
    if not os.environ.get("CACHE_URL"):
        pytest.skip("needs CACHE_URL (Redis)")
    limits(rate=10)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "cosmo_project.settings",
    }
    other = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SPEND, scim_key[0].prefix, "10"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert other.stdout.readline().strip() == "ready"
        for _ in range(5):
            other.stdin.write("go\n")
            other.stdin.flush()
            window = int(other.stdout.readline())
            # The other process spent this key's whole budget for this second.
            response, other_tenant = scim.get("/Users"), other_scim.get("/Users")
            if int(time.time()) == window:
                break
        assert_429(response)
        assert other_tenant.status_code == 200
    finally:
        other.stdin.close()
        other.wait(timeout=30)
    assert other.returncode == 0


def test_the_cache_being_down_lets_requests_through(limits, scim, settings):
    limits(rate=1, failures=1)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert [scim.get("/Users").status_code for _ in range(3)] == [200] * 3
