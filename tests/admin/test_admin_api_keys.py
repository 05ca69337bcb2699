"""API keys in Django admin, through the real admin views: show once, SCIM refusal, revoke."""

from datetime import UTC

import pytest
from django.urls import reverse

from cosmo_scim import keys
from cosmo_scim.models import APIKey

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:cosmo_scim_apikey_add")
LIST_URL = reverse("admin:cosmo_scim_apikey_changelist")


def add_key(client, organization, name="Okta", scim=True):
    data = {"organization": organization.pk, "name": name}
    if scim:
        data["scim"] = "on"
    return client.post(ADD_URL, data)


def test_add_form_has_a_scim_checkbox(admin_client):
    response = admin_client.get(ADD_URL)
    assert response.status_code == 200
    assert 'type="checkbox" name="scim"' in response.content.decode()


def test_created_key_is_shown_exactly_once(admin_client, org, superuser):
    """POST → redirect → GET: the form's answer is a redirect to the key's show-once page,
    whose first GET shows the key from the session; a reload shows it no more and never
    makes a second key."""
    created = add_key(admin_client, org)
    api_key = APIKey.objects.get()
    show_once = reverse("admin:cosmo_scim_apikey_show_once", args=[api_key.pk])
    assert created.status_code == 302 and created["Location"] == show_once
    response = admin_client.get(show_once)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    key = response.context["plaintext_key"]
    assert key in page and "shown only once" in page
    # The key works, belongs to the organization, carries the permission and its creator.
    assert keys.authenticate(f"Bearer {key}").pk == api_key.pk
    assert api_key.scim and api_key.organization == org and api_key.created_by == superuser

    secret = key.partition(".")[2]
    assert secret not in str(dict(admin_client.session))
    reloaded = admin_client.get(show_once)
    assert reloaded.status_code == 200 and "no-store" in reloaded["Cache-Control"]
    assert "cannot be shown again" in reloaded.content.decode()
    for url in (LIST_URL, reverse("admin:cosmo_scim_apikey_change", args=[api_key.pk])):
        later = admin_client.get(url)
        assert later.status_code == 200
        assert secret not in later.content.decode()
    for later in (reloaded, admin_client.get(show_once)):
        assert secret not in later.content.decode()
    assert secret not in api_key.hashed_key and secret not in api_key.id
    assert APIKey.objects.count() == 1


def test_the_show_once_page_shows_only_the_key_the_form_made(admin_client, org, make_key):
    """The session's key is shown on its own key's page only: another key's page leaves it
    for its page, and shows nothing."""
    other, _ = make_key(org, name="Entra")
    add_key(admin_client, org)
    made = APIKey.objects.exclude(pk=other.pk).get()
    elsewhere = admin_client.get(reverse("admin:cosmo_scim_apikey_show_once", args=[other.pk]))
    assert elsewhere.context["plaintext_key"] is None
    shown = admin_client.get(reverse("admin:cosmo_scim_apikey_show_once", args=[made.pk]))
    assert keys.authenticate(f"Bearer {shown.context['plaintext_key']}").pk == made.pk


def test_scim_checkbox_is_refused_for_a_non_enterprise_organization(admin_client, make_org):
    team_org = make_org("smallco", plan="team")
    response = add_key(admin_client, team_org)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "SCIM provisioning requires the Enterprise plan" in " ".join(form.errors["scim"])
    assert not APIKey.objects.exists()


def test_non_enterprise_organization_may_have_a_plain_key(admin_client, make_org):
    team_org = make_org("smallco", plan="team")
    response = add_key(admin_client, team_org, scim=False)
    assert response.status_code == 302
    assert APIKey.objects.get().scim is False


def test_granting_scim_later_is_refused_too(admin_client, make_org, make_key):
    team_org = make_org("smallco", plan="team")
    api_key, _ = make_key(team_org, scim=False)
    url = reverse("admin:cosmo_scim_apikey_change", args=[api_key.pk])
    response = admin_client.post(url, {"name": api_key.name, "scim": "on"})
    assert response.status_code == 200
    assert "scim" in response.context["adminform"].form.errors
    api_key.refresh_from_db()
    assert api_key.scim is False


def test_changelist_shows_the_columns_admins_need(admin_client, org, make_key):
    api_key, _ = make_key(org, name="Entra")
    page = admin_client.get(LIST_URL).content.decode()
    for text in ("Entra", "Acme Inc.", api_key.prefix, "SCIM", "State", "Last used", "Expires"):
        assert text in page


def test_the_key_list_says_states_in_words_and_dates_in_one_short_format(
    admin_client, org, make_key
):
    """No red ✗ for a key that is merely not revoked: a word per state; dates read
    2026-12-06 18:58, not "Oct. 2, 2027, 6:58 p.m."."""
    from datetime import datetime, timedelta

    expiry = datetime(2027, 10, 2, 18, 58, tzinfo=UTC)
    live, _ = make_key(org, name="Live", expiry_date=expiry)
    gone, _ = make_key(org, name="Gone", revoked=True)
    old, _ = make_key(org, name="Old", expiry_date=datetime.now(UTC) - timedelta(days=1))
    rotated, _ = make_key(org, name="Rotated")
    successor, _ = APIKey.objects.rotate(rotated)
    response = admin_client.get(LIST_URL)
    rows = rows_of(response)
    assert "|active|2027-10-02 18:58|never|" in rows[live.prefix]
    assert "|revoked|never|never|" in rows[gone.prefix]
    assert "|expired|" in rows[old.prefix]
    assert "|rotated|" in rows[rotated.prefix] and "|active|" in rows[successor.prefix]
    page = response.content.decode()
    assert "icon-no.svg" not in page and "icon-yes.svg" not in page
    assert "p.m." not in page and "a.m." not in page


def rows_of(response):
    """Each row of a changelist as its cells' text, "|"-joined (the checkbox left out), by
    the key prefix its first cell ends with."""
    import re

    rows = {}
    for html in re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html, re.S)[1:]
        text = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
        rows[text[0].split()[-1]] = "|".join(text) + "|"
    return rows


def test_revoke_action(admin_client, org, make_key):
    api_key, key = make_key(org)
    response = admin_client.post(
        LIST_URL, {"action": "revoke_keys", "_selected_action": [api_key.pk]}, follow=True
    )
    assert "Revoked 1 API key" in response.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked
    with pytest.raises(keys.KeyRejected):
        keys.authenticate(f"Bearer {key}")


def test_keys_cannot_be_deleted_only_revoked(admin_client, org, make_key):
    api_key, _ = make_key(org)
    response = admin_client.get(reverse("admin:cosmo_scim_apikey_delete", args=[api_key.pk]))
    assert response.status_code == 403


def rotate_url(api_key):
    return reverse("admin:cosmo_scim_apikey_rotate", args=[api_key.pk])


def test_change_page_offers_rotation_for_a_live_key_only(admin_client, org, make_key):
    live, _ = make_key(org, name="Okta")
    revoked, _ = make_key(org, name="Old", revoked=True)
    page = admin_client.get(reverse("admin:cosmo_scim_apikey_change", args=[live.pk]))
    assert rotate_url(live) in page.content.decode()
    page = admin_client.get(reverse("admin:cosmo_scim_apikey_change", args=[revoked.pk]))
    assert rotate_url(revoked) not in page.content.decode()


def test_rotation_asks_first_and_a_get_changes_nothing(admin_client, org, make_key):
    api_key, key = make_key(org)
    response = admin_client.get(rotate_url(api_key))
    assert response.status_code == 200
    assert "revokes this one at the same moment" in response.content.decode()
    assert keys.authenticate(f"Bearer {key}").pk == api_key.pk
    assert APIKey.objects.count() == 1


def test_rotation_shows_the_new_key_once_and_revokes_the_old(
    admin_client, org, make_key, superuser
):
    from datetime import timedelta

    from django.utils import timezone

    expiry = timezone.now() + timedelta(days=30)
    old, old_key = make_key(org, name="Okta", expiry_date=expiry)
    rotated = admin_client.post(rotate_url(old))
    successor = APIKey.objects.get(replaces=old)
    show_once = reverse("admin:cosmo_scim_apikey_show_once", args=[successor.pk])
    assert rotated.status_code == 302 and rotated["Location"] == show_once
    response = admin_client.get(show_once)
    assert "no-store" in response["Cache-Control"]
    new_key = response.context["plaintext_key"]
    page = response.content.decode()
    assert new_key in page and old.prefix in page and "shown only once" in page
    reloaded = admin_client.get(show_once).content.decode()
    assert "cannot be shown again" in reloaded and new_key.partition(".")[2] not in reloaded
    assert APIKey.objects.count() == 2

    new = keys.authenticate(f"Bearer {new_key}")
    assert (new.organization, new.name, new.scim, new.expiry_date) == (org, "Okta", True, expiry)
    assert new.replaces == old and new.created_by == superuser
    with pytest.raises(keys.KeyRejected, match="revoked"):
        keys.authenticate(f"Bearer {old_key}")

    secret = new_key.partition(".")[2]
    for url in (LIST_URL, reverse("admin:cosmo_scim_apikey_change", args=[new.pk])):
        assert secret not in admin_client.get(url).content.decode()


def test_a_revoked_key_cannot_be_rotated(admin_client, org, make_key):
    api_key, _ = make_key(org, revoked=True)
    response = admin_client.post(rotate_url(api_key), follow=True)
    assert "A revoked key cannot be rotated" in response.content.decode()
    assert APIKey.objects.count() == 1


def test_an_expired_key_cannot_be_rotated(admin_client, org, make_key):
    from datetime import timedelta

    from django.utils import timezone

    api_key, _ = make_key(org, expiry_date=timezone.now() - timedelta(days=1))
    response = admin_client.post(rotate_url(api_key), follow=True)
    assert "An expired key cannot be rotated" in response.content.decode()
    assert APIKey.objects.count() == 1


def test_a_scim_key_of_an_organization_that_left_enterprise_is_not_renewed(
    admin_client, org, make_key
):
    api_key, _key = make_key(org, scim=True)
    org.plan = "team"
    org.save()
    response = admin_client.post(rotate_url(api_key), follow=True)
    assert "requires the Enterprise plan" in response.content.decode()
    api_key.refresh_from_db()
    assert not api_key.revoked and APIKey.objects.count() == 1


def test_django_permissions_do_not_let_staff_rotate_a_key(client, org, make_key, make_user):
    """Rotation is for the key's organization's admins (test_admin_org_admins.py): a staff user
    holding Django's view and change permissions on API keys, but administering no
    organization, finds no key to rotate."""
    from django.contrib.auth.models import Permission

    staff = make_user("viewer@cosmo.example", "pw-123456789", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=("view_apikey", "change_apikey"), content_type__app_label="cosmo_scim"
        )
    )
    client.force_login(staff)
    api_key, _ = make_key(org)
    assert client.post(rotate_url(api_key)).status_code == 404
    assert not APIKey.objects.get(pk=api_key.pk).revoked
    assert APIKey.objects.count() == 1
