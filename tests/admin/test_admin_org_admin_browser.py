"""An org admin in headless Chromium against a live server: no staff flag, signs in at
/admin/ with their own email and password, creates a SCIM key for their organization (the
only one offered), sees it once, and sees nothing of the other organization on the key and
audit lists."""

import pytest
from conftest import PASSWORD

from cosmo_scim import keys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_org_admin_signs_in_and_creates_a_key_for_their_organization(
    browser_page, live_server, world, screenshot
):
    page = browser_page
    assert not world.ann.is_staff
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ann@acme.example")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    screenshot(page, "org-admin-index")
    assert "API keys" in page.inner_text("#content-main")

    page.goto(f"{live_server.url}/admin/cosmo_scim/apikey/add/")
    offered = page.eval_on_selector_all(
        "#id_organization option", "options => options.map(o => o.textContent.trim())"
    )
    assert [label for label in offered if label.strip("-")] == ["Acme Inc."]
    page.select_option("#id_organization", label="Acme Inc.")
    page.fill("#id_name", "Okta")
    page.check("#id_scim")
    page.click("input[name=_save]")

    shown = page.input_value("#api-key")
    screenshot(page, "org-admin-key-created")
    assert "shown only once" in page.inner_text("#content-main")
    api_key = keys.authenticate(f"Bearer {shown}")
    assert (api_key.organization, api_key.scim, api_key.created_by) == (world.a, True, world.ann)

    page.click("text=I have stored the key")
    page.wait_for_url(f"{live_server.url}/admin/cosmo_scim/apikey/")
    listing = page.content()
    assert api_key.prefix in listing and shown.partition(".")[2] not in listing
    assert "globex" not in listing.lower() and world.key_b.prefix not in listing

    page.goto(f"{live_server.url}/admin/cosmo_scim/auditevent/")
    screenshot(page, "org-admin-audit")
    audit = page.content()
    assert "jane@acme.example" in audit and "globex" not in audit.lower()


def fits(page):
    """Does the changelist's table fit its box (no column pushed out of sight)?"""
    return page.eval_on_selector(".results", "box => box.scrollWidth <= box.clientWidth")


def most_lines(page, column):
    """The most lines one cell of ``column`` (a ``field-<name>`` class) wraps onto: the
    distinct tops of its text's line boxes."""
    return page.eval_on_selector_all(
        f"#result_list td.field-{column}",
        """cells => Math.max(...cells.map(cell => {
            const text = document.createRange();
            text.selectNodeContents(cell);
            return new Set([...text.getClientRects()].map(box => Math.round(box.top))).size;
        }))""",
    )


@pytest.mark.parametrize("who", ["org admin", "superuser"])
def test_the_key_and_invitation_lists_fit_1280_px(
    who, browser_page, live_server, world, make_key, make_member, superuser, screenshot
):
    """At 1280 px, beside the navigation sidebar and the filters, every column is in sight
    (a superuser's lists have the organization column too), and an invitation's delivery
    sentence wraps onto two lines at most."""
    from datetime import timedelta

    from django.utils import timezone

    from cosmo_scim.models import Invitation

    later = timezone.now() + timedelta(days=300)
    make_key(world.a, name="Entra ID production", expiry_date=later)
    make_key(world.a, name="Okta (old tenant)", revoked=True)
    for name in ("rob.longname-lastname", "jane.doe"):
        member = make_member(world.a, email=f"{name}@acme.example")
        Invitation.objects.create(
            organization=world.a,
            membership=member,
            email=f"{name}@acme.example",
            status="unconfirmed",
            send_attempts=1,
            expires_at=later,
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        )
    page = browser_page
    page.goto(f"{live_server.url}/admin/")
    email = "ann@acme.example" if who == "org admin" else superuser.email
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD if who == "org admin" else "root-pass-1234")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    label = who.replace(" ", "-")
    page.goto(f"{live_server.url}/admin/cosmo_scim/apikey/")
    screenshot(page, f"{label}-keys")
    assert fits(page)
    assert page.locator("#result_list img[src*=icon-no]").count() == 0
    assert "revoked" in page.inner_text("#result_list")
    page.goto(f"{live_server.url}/admin/cosmo_scim/invitation/")
    screenshot(page, f"{label}-invitations")
    assert fits(page)
    assert most_lines(page, "delivery_in_list") <= 2
