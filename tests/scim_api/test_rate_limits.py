"""Rate limits: a key over its budget gets 429 with Retry-After while another organization's
key is unaffected; an organization's keys together get no more than its budget; failed
authentications per address; the budgets are shared by processes when the cache is
Redis."""

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
    def set_limits(rate=None, failures=None, organization=None):
        settings.COSMO_SCIM = {
            **settings.COSMO_SCIM,
            "RATE_LIMIT": rate,
            "ORGANIZATION_RATE_LIMIT": organization,
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


# -- issue 20, reproduction 7: minting keys does not multiply the budget ----------------------


@pytest.fixture
def four_keys(org, make_key):
    """Four SCIM keys an org admin minted for Acme, each a client of its own."""
    return [ScimClient(Client(), make_key(org, name=f"Key {n}")[1]) for n in range(4)]


def test_an_organizations_keys_together_get_no_more_than_its_budget(limits, four_keys, other_scim):
    limits(rate=5, organization=8)

    def flood():
        # Round robin: no key goes over its own budget of 5.
        responses = [key.get("/Users") for _ in range(5) for key in four_keys]
        return responses, other_scim.get("/Users")

    responses, other = in_one_window(flood)
    statuses = [response.status_code for response in responses]
    assert statuses.count(200) == 8 and statuses.count(429) == 12
    refused = assert_429(next(r for r in responses if r.status_code == 429))
    assert "organization's API keys together" in refused["detail"]
    assert "8 per second" in refused["detail"]
    assert other.status_code == 200  # another organization's budget is its own


def test_without_an_organization_budget_each_key_keeps_its_own(limits, four_keys):
    limits(rate=5)
    statuses = in_one_window(
        lambda: [key.get("/Users").status_code for _ in range(5) for key in four_keys]
    )
    assert statuses == [200] * 20


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
from types import SimpleNamespace
django.setup()
from cosmo_scim.protocol.errors import ScimError
from cosmo_scim.scim import throttle
key = SimpleNamespace(prefix=sys.argv[1], organization_id=int(sys.argv[2]))
count = int(sys.argv[3])
print("ready", flush=True)
for _ in sys.stdin:
    while time.time() % 1 > 0.2:
        time.sleep(0.01)
    for _ in range(count):
        try:
            throttle.check_key(key)
        except ScimError:
            pass
    print(int(time.time()), flush=True)
"""


def spend_in_another_process(api_key, count, then):
    """Another process spends ``count`` requests of ``api_key`` at the start of a window,
    through the same Redis; then ``then()`` runs in this one, in the same window (tried
    again on a machine so loaded that the window ends first). Returns what ``then`` did."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "cosmo_project.settings",
        # The other process counts, this one's limits decide.
        "SCIM_RATE_LIMIT": "1000000",
        "SCIM_ORGANIZATION_RATE_LIMIT": "1000000",
    }
    args = [api_key.prefix, str(api_key.organization_id), str(count)]
    other = subprocess.Popen(
        [sys.executable, "-c", SPEND, *args],
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
            result = then()
            if int(time.time()) == window:
                break
    finally:
        other.stdin.close()
        other.wait(timeout=30)
    assert other.returncode == 0
    return result


@pytest.fixture
def redis_cache():
    if not os.environ.get("CACHE_URL"):
        pytest.skip("needs CACHE_URL (Redis)")


@pytest.mark.processes
@pytest.mark.redis
@pytest.mark.usefixtures("redis_cache")
def test_the_budget_is_shared_by_processes_on_redis(limits, scim, scim_key, other_scim):
    limits(rate=10)
    # The other process spent this key's whole budget for this second.
    response, other_tenant = spend_in_another_process(
        scim_key[0], 10, lambda: (scim.get("/Users"), other_scim.get("/Users"))
    )
    assert_429(response)
    assert other_tenant.status_code == 200


@pytest.mark.processes
@pytest.mark.redis
@pytest.mark.usefixtures("redis_cache")
def test_the_organization_budget_is_shared_by_processes_on_redis(
    limits, org, make_key, four_keys, other_scim
):
    limits(rate=10, organization=10)
    spender, _ = make_key(org, name="Spender")
    # Another worker served ten requests of one of Acme's keys: Acme's other keys, whose
    # own budgets are untouched, get nothing more this second; Globex is unaffected.
    responses, other_tenant = spend_in_another_process(
        spender, 10, lambda: ([key.get("/Users") for key in four_keys], other_scim.get("/Users"))
    )
    for response in responses:
        assert "organization's API keys together" in assert_429(response)["detail"]
    assert other_tenant.status_code == 200


def test_the_cache_being_down_lets_requests_through(limits, scim, settings):
    limits(rate=1, failures=1)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert [scim.get("/Users").status_code for _ in range(3)] == [200] * 3
