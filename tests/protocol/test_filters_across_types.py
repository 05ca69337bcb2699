"""One filter over several resource types (``filter_querysets``, the root query of RFC
7644 §3.4.3): an attribute a type does not define is absent from its rows — the two-valued
semantics of a NULL column — and one that no type defines is ``invalidFilter``.

Stand-ins as in test_filters.py: contrib.auth's users for Users (userName, name.givenName)
and groups for Groups (displayName), so this runs with minimal settings too."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cosmo_scim.protocol.errors import ScimError
from cosmo_scim.protocol.filters.query import filter_querysets
from cosmo_scim.protocol.filters.registry import AttributeRegistry, MultiValued, Scalar

User = get_user_model()
USERNAME = User.USERNAME_FIELD

USERS = AttributeRegistry(
    {"userName": Scalar(USERNAME), "name.givenName": Scalar("first_name")},
    core_schema="urn:ietf:params:scim:schemas:core:2.0:User",
)
GROUPS = AttributeRegistry(
    {
        "displayName": Scalar("name"),
        "members": MultiValued(
            User.groups.through._meta.label,
            fk="group",
            attributes={"value": Scalar(f"user__{USERNAME}", case_exact=True)},
        ),
    }
)


@pytest.fixture
def world(db):
    ann = User.objects.create(**{USERNAME: "ann"}, first_name="Ann")
    User.objects.create(**{USERNAME: "bob"}, first_name="")
    Group.objects.create(name="Ops").user_set.add(ann)
    Group.objects.create(name="Dev")


def found(text):
    users, groups = filter_querysets(
        [(User.objects.all(), USERS), (Group.objects.all(), GROUPS)], text
    )
    return (
        sorted(getattr(u, USERNAME) for u in users),
        sorted(g.name for g in groups),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, (["ann", "bob"], ["Dev", "Ops"])),
        ("  ", (["ann", "bob"], ["Dev", "Ops"])),
        ('userName eq "ann"', (["ann"], [])),
        ('userName ne "ann"', (["bob"], ["Dev", "Ops"])),
        ("userName pr", (["ann", "bob"], [])),
        ("not (userName pr)", ([], ["Dev", "Ops"])),
        ("userName eq null", ([], ["Dev", "Ops"])),
        ("userName ne null", (["ann", "bob"], [])),
        ('userName co "a" or displayName eq "dev"', (["ann"], ["Dev"])),
        ('displayName sw "o" and userName eq "ann"', ([], [])),
        ('members[value eq "ann"]', ([], ["Ops"])),
        ('not (members[value eq "ann"])', (["ann", "bob"], ["Dev"])),
        ("name.givenName pr", (["ann"], [])),
    ],
)
def test_absent_attributes_behave_as_null_columns(world, text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text", ['nickName eq "x"', 'userName eq "a" or title pr', 'members[display eq "x"]']
)
def test_unknown_to_every_type_or_inside_brackets_is_invalid_filter(world, text):
    with pytest.raises(ScimError) as error:
        found(text)
    assert error.value.scim_type == "invalidFilter"


def test_type_errors_of_the_type_that_knows_the_attribute_remain(world):
    with pytest.raises(ScimError) as error:
        found("userName eq true")
    assert error.value.scim_type == "invalidFilter"
