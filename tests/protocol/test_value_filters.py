"""Value filters (PATCH paths such as ``emails[type eq "work"]``) are read by the same grammar
as ``?filter=`` queries and evaluated in Python on a representation's elements."""

import pytest

from cosmo_scim.protocol.errors import ScimError
from cosmo_scim.protocol.filters.evaluate import ValueFilter
from cosmo_scim.protocol.filters.syntax import And, Compare, parse_filter, parse_value_filter
from cosmo_scim.protocol.paths import AttrPath
from cosmo_scim.protocol.schema.resolve import GROUP, USER

EMAILS = USER.resolve("emails").attr
MEMBERS = GROUP.resolve("members").attr
WORK = {"value": "Jane@Acme.com", "type": "work", "primary": True}
HOME = {"value": "jane@home.example", "type": "home"}
BARE = {"value": "x@y.z"}


def matching(text, elements=(WORK, HOME, BARE), attr=EMAILS):
    value_filter = ValueFilter(text, attr)
    return [element for element in elements if value_filter.matches(element)]


def test_same_grammar_same_tree():
    text = 'type eq "work" and value co "acme"'
    assert parse_value_filter(text) == parse_filter(text)
    assert ValueFilter(text, EMAILS).tree == And(
        Compare(AttrPath(None, "type"), "eq", "work"),
        Compare(AttrPath(None, "value"), "co", "acme"),
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ('type eq "work"', [WORK]),
        ('TYPE eq "WORK"', [WORK]),  # names and (caseExact false) values ignore case
        ('value eq "jane@acme.com"', [WORK]),
        ('type ne "work"', [HOME, BARE]),  # absent is "not equal"
        ("type pr", [WORK, HOME]),
        ("not (type pr)", [BARE]),
        ("primary eq true", [WORK]),
        ("primary eq false", []),
        ('primary eq "true"', []),  # different JSON types are never equal
        ("primary ne 1", [WORK, HOME, BARE]),
        ('type eq "work" or type eq "home"', [WORK, HOME]),
        ('(type eq "work" or type eq "home") and value sw "jane@h"', [HOME]),
        ('value ew ".example"', [HOME]),
        ('value gt "y"', []),
        ('value lt "y"', [WORK, HOME, BARE]),
        ("type eq null", [BARE]),
    ],
)
def test_evaluation(text, expected):
    assert matching(text) == expected


def test_case_exact_sub_attributes_compare_exactly():
    members = [{"value": "AbC", "type": "User"}, {"value": "abc", "type": "User"}]
    assert matching('value eq "abc"', members, MEMBERS) == [members[1]]
    assert matching('type eq "user"', members, MEMBERS) == members  # type is not caseExact


def test_template_is_the_element_a_conjunction_of_eq_describes():
    assert ValueFilter('type eq "work"', EMAILS).template == {"type": "work"}
    assert ValueFilter('Type eq "work" and primary eq true', EMAILS).template == {
        "type": "work",
        "primary": True,
    }
    for text in ('type ne "work"', 'type eq "a" or type eq "b"', 'type eq "a" and type eq "b"'):
        assert ValueFilter(text, EMAILS).template is None


@pytest.mark.parametrize(
    "text",
    [
        'nope eq "x"',
        'emails.type eq "work"',
        'urn:ietf:params:scim:schemas:core:2.0:User:type eq "work"',
        'type[value eq "x"]',  # a value path cannot nest
        'type eq "work',
        "type eq 01",
        'type eq "\\q"',
        "",
    ],
)
def test_errors_are_invalid_filter(text):
    with pytest.raises(ScimError) as info:
        ValueFilter(text, EMAILS)
    assert (info.value.status, info.value.scim_type) == (400, "invalidFilter")
