"""The isolation matrix: every admin URL of every cosmo_scim model, and the organization's
provisioning pages, aimed at the other tenant (B) by three people who must not reach it:

- Ann, org admin of A, no staff flag and no Django permissions;
- reproduction 1's staff user: every cosmo_scim permission, a developer (not admin) in A;
- a staff user with every cosmo_scim permission who is also an admin of A.

Each request must answer as expected (404 for any of B's objects, exactly like an id that
does not exist; 403 where the person reaches no cosmo_scim page at all), show nothing of B,
change nothing in the database and send no email.
"""

from dataclasses import dataclass, field

import pytest
from conftest import snapshot_of_b
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

TARGETS = {
    "apikey": "key_b",
    "invitation": "invitation_b",
    "auditevent": "event_b",
    "rolemapping": "mapping_b",
}
MISSING = {"apikey": "Missing0.sha512$$0", "organization": 987654}


@dataclass(frozen=True)
class Case:
    name: str
    url: str  # a URL name under "admin:"; "{b}" in query strings is B's organization id
    method: str = "get"
    target: str | None = None  # TARGETS key / "organization": the URL takes B's object
    query: str = ""
    # "{b}" becomes B's organization id, "<model>" the id of B's row of it (placeholders).
    data: dict = field(default_factory=dict)
    as_org_admin: int = 404  # Ann and the staff admin of A
    as_outsider: int = 404  # staff who administers nothing
    says: str = ""  # what an org admin's page must say

    def __str__(self):
        return self.name


def placeholders(world):
    """What the cases' "{b}" and "<model>" stand for."""
    names = {f"<{model}>": getattr(world, attr).pk for model, attr in TARGETS.items()}
    return {"{b}": world.b.pk, "<orphan>": world.orphan_b.pk, **names}


def _fill(value, names):
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    return str(names[value]) if value in names else value


def send(client, world, case, pk=None):
    args = []
    if case.target:
        if pk is None:
            pk = (world.b if case.target == "organization" else getattr(world, case.target)).pk
        args = [pk]
    url = reverse(f"admin:{case.url}", args=args) + case.query.replace("{b}", str(world.b.pk))
    names = placeholders(world)
    data = {key: _fill(value, names) for key, value in case.data.items()}
    if case.method == "post":
        return client.post(url, data, follow=True)
    return client.get(url, follow=True)


# A search term matching rows of both A and B (the page echoes it, so it cannot be "globex").
SEARCH = {"apikey": "Okta", "invitation": "example", "auditevent": "example", "rolemapping": "s"}


def list_cases(model):
    changelist = f"cosmo_scim_{model}_changelist"
    return [
        Case(f"{model} changelist", changelist, as_org_admin=200, as_outsider=403),
        Case(
            f"{model} filtered to B",
            changelist,
            query="?organization__id__exact={b}",
            as_org_admin=200,
            as_outsider=403,
        ),
        Case(
            f"{model} searched",
            changelist,
            query=f"?q={SEARCH[model]}",
            as_org_admin=200,
            as_outsider=403,
        ),
    ]


def object_cases(model, change_data):
    target = TARGETS[model]
    url = f"cosmo_scim_{model}_"
    return [
        Case(f"{model} change GET", url + "change", target=target),
        Case(f"{model} change POST", url + "change", "post", target, data=change_data),
        Case(f"{model} history", url + "history", target=target),
        Case(f"{model} delete GET", url + "delete", target=target),
        Case(f"{model} delete POST", url + "delete", "post", target, data={"post": "yes"}),
    ]


def action_case(model, action, **extra):
    return Case(
        f"{model} action {action} on B",
        f"cosmo_scim_{model}_changelist",
        "post",
        data={"action": action, "_selected_action": [f"<{model}>"], **extra},
        as_org_admin=200,
        as_outsider=403,
    )


# The organization field's refusal (Django's ModelChoiceField message).
NOT_OFFERED = "Select a valid choice. That choice is not one of the available choices."
KEY_FOR_B = {"organization": "{b}", "name": "Planted", "scim": "on"}
MAPPING_FOR_B = {
    "organization": "{b}",
    "match": "displayName",
    "value": "Everyone",
    "role": "admin",
}

CASES = [
    *[case for model in TARGETS for case in list_cases(model)],
    # Adding: the organization field offers only A, so naming B is an invalid choice.
    Case("apikey add GET", "cosmo_scim_apikey_add", as_org_admin=200, as_outsider=403),
    Case(
        "apikey add GET preset to B",
        "cosmo_scim_apikey_add",
        query="?organization={b}&scim=on",
        as_org_admin=200,
        as_outsider=403,
    ),
    Case(
        "apikey add POST for B",
        "cosmo_scim_apikey_add",
        "post",
        data=KEY_FOR_B,
        as_org_admin=200,
        as_outsider=403,
        says=NOT_OFFERED,
    ),
    Case(
        "apikey save-as-new of B's key",
        "cosmo_scim_apikey_change",
        "post",
        "key_b",
        data={**KEY_FOR_B, "_saveasnew": "1"},
        as_org_admin=200,
        as_outsider=403,
        says=NOT_OFFERED,
    ),
    Case("rolemapping add GET", "cosmo_scim_rolemapping_add", as_org_admin=200, as_outsider=403),
    Case(
        "rolemapping add POST for B",
        "cosmo_scim_rolemapping_add",
        "post",
        data=MAPPING_FOR_B,
        as_org_admin=200,
        as_outsider=403,
        says=NOT_OFFERED,
    ),
    Case(
        "rolemapping save-as-new of B's mapping",
        "cosmo_scim_rolemapping_change",
        "post",
        "mapping_b",
        data={**MAPPING_FOR_B, "_saveasnew": "1"},
        as_org_admin=200,
        as_outsider=403,
        says=NOT_OFFERED,
    ),
    Case("invitation add", "cosmo_scim_invitation_add", as_org_admin=403, as_outsider=403),
    Case("auditevent add", "cosmo_scim_auditevent_add", as_org_admin=403, as_outsider=403),
    # B's objects by URL.
    *object_cases("apikey", {"name": "Renamed", "revoked": "on"}),
    *object_cases("invitation", {"email": "x@evil.example"}),
    *object_cases("auditevent", {"user_name": "rewritten"}),
    *object_cases("rolemapping", {"match": "displayName", "value": "Everyone", "role": "admin"}),
    Case("apikey rotate GET", "cosmo_scim_apikey_rotate", target="key_b"),
    Case("apikey rotate POST", "cosmo_scim_apikey_rotate", "post", "key_b"),
    Case("apikey show once", "cosmo_scim_apikey_show_once", target="key_b"),
    # B's objects by action.
    action_case("apikey", "revoke_keys"),
    action_case("invitation", "resend"),
    action_case("rolemapping", "delete_selected", post="yes"),
    # Organization autocomplete (any model with an organization field asks the same).
    Case(
        "organization autocomplete",
        "autocomplete",
        query="?app_label=cosmo_scim&model_name=apikey&field_name=organization&term=",
        as_org_admin=200,
        as_outsider=403,
    ),
    Case(
        "organization autocomplete for B's name",
        "autocomplete",
        query="?app_label=organizations&model_name=team&field_name=organization&term=Glo",
        as_org_admin=200,
        as_outsider=403,
    ),
    # The host's organization pages and the provisioning pages on them.
    Case(
        "organization changelist",
        "organizations_organization_changelist",
        as_org_admin=200,
        as_outsider=403,
    ),
    Case(
        "organization changelist searched",
        "organizations_organization_changelist",
        query="?q=e",
        as_org_admin=200,
        as_outsider=403,
    ),
    Case("organization change GET", "organizations_organization_change", target="organization"),
    Case(
        "organization change POST",
        "organizations_organization_change",
        "post",
        "organization",
        data={"name": "Globex", "slug": "globex", "plan": "free"},
    ),
    Case("organization history", "organizations_organization_history", target="organization"),
    Case("organization delete", "organizations_organization_delete", target="organization"),
    Case("provisioning overview", "organizations_organization_scim", target="organization"),
    Case(
        "deactivate orphans",
        "organizations_organization_scim_deactivate_orphans",
        "post",
        "organization",
        data={"membership": ["<orphan>"], "reason": "Because"},
    ),
]


PEOPLE = ("org_admin", "staff_with_permissions", "staff_org_admin")


@pytest.fixture(params=PEOPLE)
def intruder(request, world, client):
    """A client signed in as one of the people who must not reach B, and whether they
    administer A."""
    client.force_login(request.getfixturevalue(request.param))
    return client, request.param != "staff_with_permissions"


def page_of(response):
    return response.content.decode().lower()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_nothing_of_the_other_organization_is_reachable(intruder, world, case):
    client, administers_a = intruder
    before = snapshot_of_b(world)

    response = send(client, world, case)

    expected = case.as_org_admin if administers_a else case.as_outsider
    assert response.status_code == expected, response.redirect_chain
    page = page_of(response)
    assert "globex" not in page and world.key_b.prefix.lower() not in page
    if case.says and administers_a:
        assert case.says.lower() in page
    assert snapshot_of_b(world) == before
    assert mail.outbox == []
    if expected == 404:
        # Indistinguishable from an id that does not exist.
        missing = send(client, world, case, pk=MISSING.get(case.target, 987654))
        assert (missing.status_code, missing.content) == (404, response.content)
