"""The invitation, end to end in headless Chromium: email link → password → dashboard;
then SCIM deactivation, and the next page load is refused."""

import pytest
from django.core import mail
from django.db import connections
from helpers import accept_link, deactivate_patch, user_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser.new_page()
        browser.close()
    _drop_leftover_server_connections()


def _drop_leftover_server_connections():
    """On PostgreSQL one idle connection opened while serving the browser outlives its
    live-server thread (origin not pinned down) and would block dropping the test
    database. End it; the test's assertions are all made by then."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_accept_invitation_then_lose_access(page, live_server, scim, settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "PUBLIC_BASE_URL": live_server.url}
    created = scim.post("/Users", user_body("jane@acme.example"))
    assert created.status_code == 201
    [message] = mail.outbox
    link = accept_link(message)
    assert link.startswith(live_server.url)

    page.goto(link)
    assert page.inner_text("#invitation-title") == "Join Acme Inc."
    assert page.inner_text("#invitation-email") == "jane@acme.example"
    page.fill("#id_new_password1", "stellar-nebula-42")
    page.fill("#id_new_password2", "stellar-nebula-42")
    page.click("#accept")
    page.wait_for_url(f"{live_server.url}/orgs/acme/")
    assert page.inner_text("#org-name") == "Acme Inc."

    assert scim.patch(f"/Users/{created.json()['id']}", deactivate_patch()).status_code == 200
    page.reload()
    assert "/accounts/login/" in page.url

    page.goto(link)  # the link is used up
    assert "already been accepted" in page.inner_text("#invitation-problem")
