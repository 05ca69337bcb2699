"""The invitation, end to end in headless Chromium: email link → password → dashboard;
then SCIM deactivation, and the next page load is refused."""

import pytest
from django.core import mail
from scimkit import accept_link, deactivate_patch, user_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accept_invitation_then_lose_access(browser_page, live_server, scim, settings, screenshot):
    page = browser_page
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "PUBLIC_BASE_URL": live_server.url}
    created = scim.post("/Users", user_body("jane@acme.example"))
    assert created.status_code == 201
    [message] = mail.outbox
    link = accept_link(message)
    assert link.startswith(live_server.url)

    page.goto(link)
    assert page.inner_text("#invitation-title") == "Join Acme Inc. on Cosmo"
    assert page.inner_text("#invitation-email") == "jane@acme.example"
    page.fill("#id_new_password1", "stellar-nebula-42")
    page.fill("#id_new_password2", "stellar-nebula-42")
    page.click("#accept")
    page.wait_for_url(f"{live_server.url}/orgs/acme/")
    assert page.inner_text("#org-name") == "Acme Inc."

    assert scim.patch(f"/Users/{created.json()['id']}", deactivate_patch()).status_code == 200
    page.reload()
    assert "/accounts/login/" in page.url
    assert "Acme Inc. ended your access through its identity provider" in page.inner_text(
        "#access-ended"
    )
    screenshot(page, "access-ended")
    page.reload()  # told once
    assert page.locator("#access-ended").count() == 0

    page.goto(link)  # the link is used up
    assert "already been accepted" in page.inner_text("#invitation-problem")
