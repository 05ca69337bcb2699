"""Shared fixtures: organizations, people, memberships and API keys of the host product.

The folders mirror cosmo_scim: protocol/ (the RFCs as code, minimal settings), provisioning/
(lifecycle, deactivation, audit, orphans, user count), invitations/, admin/ (the admin
screens and their scope, with its own conftest.py), scim_api/ (SCIM over HTTP, IdP dialects,
query counts, compliance), sso/ (real IdPs on loopback, its own conftest.py, and sign-ins
through them end to end); here, the whole product (host, checks, commands, keys, docs).
The helpers are in scimkit.py.
"""

import itertools
from pathlib import Path

import pytest
import rowsdb
from django.contrib.auth import get_user_model
from scimkit import ScimClient, host

# Host models are imported inside the fixtures, so that suites run with minimal settings
# (tests/settings_filters.py: contenttypes + auth only) can still load this conftest.

_seq = itertools.count(1)


@pytest.fixture
def make_org(db):
    """An organization of whichever host runs the suite (Cosmo's, or tests/hosts/)."""
    from cosmo_scim import conf
    from cosmo_scim.host_fields import organization_field

    def make(slug=None, plan="enterprise", name=None):
        slug = slug or f"org-{next(_seq)}"
        model = conf.organization_model()
        values = {organization_field("slug"): slug, "name": name or slug.title()}
        if any(field.name == "plan" for field in model._meta.fields):  # not every host has one
            values["plan"] = plan
        return model._default_manager.create(**values)

    return make


def person_values(email):
    """An account's email and login: the address for both on Cosmo (its login is the
    email), the address as username on a username-login user model (auth.User)."""
    user_model = get_user_model()
    return {user_model.get_email_field_name(): email, user_model.USERNAME_FIELD: email}


@pytest.fixture
def make_user(db):
    """An account; ``given_name`` / ``family_name`` go to the host's name fields."""
    from cosmo_scim.host_fields import person_field

    def make(email=None, password=None, **extra):
        email = email or f"person{next(_seq)}@example.com"
        for part in ("given_name", "family_name"):
            if part in extra:
                extra[person_field(part)] = extra.pop(part)
        return get_user_model().objects.create_user(
            **person_values(email), password=password, **extra
        )

    return make


@pytest.fixture
def make_member(make_user):
    """A membership made by hand, as the host's own screens would (no SCIM)."""
    from cosmo_scim.host_fields import membership_field, memberships

    def make(organization, user=None, role=None, is_active=True, **user_extra):
        """``role``: the host's middle role unless given (Cosmo's developer)."""
        user = user or make_user(**user_extra)
        role = role or host.roles()[1]
        return memberships().create(
            **{
                membership_field("person"): user,
                membership_field("organization"): organization,
                membership_field("role"): role,
                membership_field("active"): is_active,
            }
        )

    return make


@pytest.fixture
def make_key(db):
    from cosmo_scim.models import APIKey

    def make(organization, scim=True, **extra):
        extra.setdefault("name", "Test key")
        api_key, key = APIKey.objects.create_key(organization=organization, scim=scim, **extra)
        return api_key, key

    return make


@pytest.fixture
def org(make_org):
    return make_org("acme", plan="enterprise", name="Acme Inc.")


@pytest.fixture
def superuser(make_user):
    return get_user_model().objects.create_superuser(
        **person_values("root@cosmo.example"), password="root-pass-1234"
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty default cache: SQLite reuses the ids of rolled-back
    rows, so an entry keyed by an organization's id could outlive the test that wrote it
    (cosmo_scim.scim.page_starts)."""
    from django.core.cache import cache

    cache.clear()


# -- which host runs the suite ---------------------------------------------------------------

# The suite that runs against every host (tests/hosts/): the SCIM API as IdPs use it, tenancy,
# lifecycle and invitations, groups and roles, the orphan report, the admin overview, the
# external compliance checker. Written through the host adapter and host_fields, never a
# host's models. The rest tests Cosmo's own product (its models, demo, docs) and runs
# with Cosmo only. ``DJANGO_SETTINGS_MODULE=tests.hosts.workspace.settings pytest``
# collects this list and tests/hosts/test_workspace.py (what only that host's shape shows);
# likewise tests.hosts.company.settings and tests/hosts/test_company.py.
ANY_HOST = (
    "scim_api/test_okta.py",
    "scim_api/test_entra.py",
    "scim_api/test_tenancy.py",
    "scim_api/test_account_ownership.py",
    "scim_api/test_account_rule.py",
    "scim_api/test_lookalike_addresses.py",
    "scim_api/test_name_lengths.py",
    "scim_api/test_groups.py",
    "scim_api/test_group_roles_and_tenancy.py",
    "scim_api/test_scim_compliance.py",
    "scim_api/test_root_search.py",
    "scim_api/test_endpoint_case.py",
    "invitations/test_invitations.py",
    "invitations/test_invitation_abuse.py",
    "provisioning/test_orphans.py",
    "provisioning/test_deactivation.py",
    "provisioning/test_signal_payloads.py",
    "admin/test_admin_provisioning.py",
    "invitations/test_shipped_pages_browser.py",
    "domains/test_domain_verification.py",
    "domains/test_domain_race.py",
)
TESTS = Path(__file__).resolve().parent


def _host():
    import os

    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    return module.split(".")[2] if module.startswith("tests.hosts.") else "cosmo"


def pytest_ignore_collect(collection_path, config):
    path = Path(collection_path)
    host = _host()
    if path.is_relative_to(TESTS / "hosts"):
        # A host's own tests run only with that host's settings.
        own = TESTS / "hosts" / host
        mine = path.is_relative_to(own) or own.is_relative_to(path)
        return not (host != "cosmo" and (mine or path.name == f"test_{host}.py"))
    if host == "cosmo" or path.is_dir() or path.name in ("conftest.py", "scimkit.py"):
        return None
    return path.relative_to(TESTS).as_posix() not in ANY_HOST or None


@pytest.fixture
def shared_cache(settings, tmp_path):
    """A default cache every process shares, so cosmo_scim remembers verified keys
    (cosmo_scim/key_cache.py): the Redis of CACHE_URL when the run has one, else a file
    cache in the test's directory."""
    from cosmo_scim.key_cache import shared_cache as configured

    if configured() is None:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    from django.core.cache import cache

    cache.clear()
    return cache


@pytest.fixture
def per_process_cache(settings):
    """Django's per-process memory cache: nothing of a key is remembered between requests."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The test client sends requests faster than any IdP over a network, so the suite runs
    without the SCIM rate limits; tests/scim_api/test_rate_limits.py sets its own."""
    settings.COSMO_SCIM = {
        **getattr(settings, "COSMO_SCIM", {}),
        "RATE_LIMIT": None,
        "ORGANIZATION_RATE_LIMIT": None,
        "AUTH_FAILURE_LIMIT": None,
    }


@pytest.fixture
def dns_zone(settings):
    """A real DNS server on loopback (tests/dns_server.py) that the domain check asks, with
    a short timeout so an outage test waits about a second."""
    from dns_server import running_zone

    with running_zone() as zone:
        settings.COSMO_SCIM = {
            **settings.COSMO_SCIM,
            "DNS_NAMESERVERS": [zone.address],
            "DNS_TIMEOUT": 1,
        }
        yield zone


def pytest_configure(config):
    """An xdist worker sharing Redis databases with the others would see its cache emptied
    and its tasks taken by another worker's Celery: refuse to run without
    tests/xdist_workers.py, which gives each worker its own (``make test-fast`` loads it)."""
    import os

    redis = os.environ.get("CELERY_BROKER_URL") or os.environ.get("CACHE_URL")
    if (
        os.environ.get("PYTEST_XDIST_WORKER")
        and redis
        and not config.pluginmanager.has_plugin("tests.xdist_workers")
    ):
        raise pytest.UsageError(
            "with Redis, run pytest-xdist as `python -m pytest -p tests.xdist_workers -n …`"
        )


# -- markers: skip what this machine cannot run --------------------------------------------


def pytest_runtest_setup(item):
    import os
    import shutil

    if item.get_closest_marker("cosmo_only") and _host() != "cosmo":
        pytest.skip("tests a page or API of Cosmo's own")
    if item.get_closest_marker("redis") and not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs CELERY_BROKER_URL (a reachable Redis)")
    if item.get_closest_marker("packaging") and os.environ.get("DATABASE_URL"):
        pytest.skip("the wheel is built and installed once per CI run, in the SQLite pass")
    if item.get_closest_marker("postgres") and "postgres" not in os.environ.get("DATABASE_URL", ""):
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
    # CI installs Chromium and Playwright: there a missing browser must fail, not skip.
    if item.get_closest_marker("browser") and not os.environ.get("CI"):
        pytest.importorskip("playwright")
        if not shutil.which("chromium"):
            pytest.skip("needs Chromium (apt-get install chromium)")


@pytest.fixture
def needs_postgres():
    """For the races (``usefixtures``): checks the connection itself, not DATABASE_URL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")


# -- The rows-read tests' many-tenant database (rowsdb.py) -----------------------------------


@pytest.fixture(scope="module")
def rows_db(django_db_setup, django_db_blocker):
    """The database of a module's rows-read tests, seeded once for the module, then gone."""
    yield from rowsdb.seeded_for_module(django_db_blocker)


@pytest.fixture
def rows_read_plans(rows_db, db):
    """The planner settings of a rows-read test (``usefixtures`` on its module)."""
    rowsdb.plans_at_scale()


# -- Celery: eager by default, a real worker on request ------------------------------------


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Run tasks in-process, the zero-setup default, unless the test asks for the real
    broker (``live_celery``). In the Redis run this keeps tests without a worker from
    leaving messages in the broker."""
    from django.conf import settings

    if not hasattr(settings, "CELERY_BROKER_URL"):  # minimal settings without the host
        yield
        return
    from celery import current_app as app  # the host's (its package imports its celery.py)

    eager = "live_celery" not in request.fixturenames
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def scim_key(org, make_key):
    """The Acme organization's IdP key: (APIKey, plaintext key)."""
    return make_key(org, scim=True, name="Okta")


@pytest.fixture
def scim(client, scim_key):
    """A SCIM client authenticated as the Acme organization's IdP."""
    return ScimClient(client, scim_key[1])


@pytest.fixture
def other_org(make_org):
    return make_org("globex", plan="enterprise", name="Globex")


@pytest.fixture
def other_scim(other_org, make_key):
    """A second tenant's IdP, with its own test client."""
    from django.test import Client

    _, key = make_key(other_org, scim=True, name="Entra")
    return ScimClient(Client(), key)


# -- a real browser --------------------------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def browser_page(monkeypatch, _end_live_server_connections):
    """A page in Debian's headless Chromium, driven by Playwright (whose own browser
    download is never used); for tests marked ``browser``, against ``live_server``."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay
    # synchronous and are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


@pytest.fixture(scope="session")
def _end_live_server_connections(django_db_setup, django_db_blocker):
    """On PostgreSQL one idle connection opened while serving the browser outlives its
    live-server thread and would block dropping the test database. End it once, after the
    last test: the live server is session-wide, and ending its connections between tests
    would break the next test's requests."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        connection = connections["default"]
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under test-artifacts/ (gitignored), named by test."""

    def take(page, label):
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
