"""Filter, sort and paging tests on a real database, independent of the SCIM models.

They use django.contrib.auth's Group/Permission and the user model (fields every
``AbstractBaseUser + PermissionsMixin`` user has), so they run both

* standalone with contrib.auth's User and minimal settings:
  ``python -m pytest tests/protocol/test_filters.py -q --ds=tests.settings_filters``
  (PostgreSQL: prefix ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres``), and
* inside the whole suite (``make test``) with the host's settings and accounts.User.

Stand-ins for the SCIM User/Group tables: USERNAME_FIELD → userName, first_name →
name.givenName, last_name → externalId (caseExact) and the enterprise department (not
caseExact), NULLIF(first_name, '') → nickName (a nullable string), is_active → active,
date_joined → meta.created, last_login → meta.lastModified, CAST(id AS text) → id (a
caseExact string, as SCIM ids are); user_permissions rows → "emails" (value = permission
codename, type = content type model); groups rows → "groups" (value = the group's name,
caseExact like an id); for Groups the same through table is "members" (value = the user's
USERNAME_FIELD, caseExact).
"""

import datetime as dt
import random
import string

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, NullIf
from django.http import QueryDict

from cosmo_scim.protocol.errors import ScimError
from cosmo_scim.protocol.filters.query import compile_filter, filter_queryset
from cosmo_scim.protocol.filters.registry import (
    BOOLEAN,
    DATETIME,
    AttributeRegistry,
    MultiValued,
    Scalar,
)
from cosmo_scim.protocol.filters.syntax import parse_filter
from cosmo_scim.protocol.pagination import parse_pagination, parse_sort

User = get_user_model()
USERNAME = User.USERNAME_FIELD
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"

USERS = AttributeRegistry(
    {
        "id": Scalar("sid", case_exact=True),
        "userName": Scalar(USERNAME),
        "externalId": Scalar("last_name", case_exact=True),
        "name.givenName": Scalar("first_name"),
        "nickName": Scalar("nick"),
        f"{ENTERPRISE}:department": Scalar("last_name"),
        "active": Scalar("is_active", BOOLEAN),
        "meta.created": Scalar("date_joined", DATETIME),
        "meta.lastModified": Scalar("last_login", DATETIME),
        "emails": MultiValued(
            User.user_permissions.through._meta.label,
            fk="user",
            attributes={
                "value": Scalar("permission__codename"),
                "type": Scalar("permission__content_type__model"),
                "display": Scalar("permission__name"),
            },
        ),
        "groups": MultiValued(
            User.groups.through._meta.label,
            fk="user",
            attributes={
                "value": Scalar("group__name", case_exact=True),
                "display": Scalar("group__name"),
            },
        ),
    },
    core_schema=CORE_USER,
)

GROUPS = AttributeRegistry(
    {
        "displayName": Scalar("name"),
        "members": MultiValued(
            User.groups.through._meta.label,
            fk="group",
            attributes={
                "value": Scalar(f"user__{USERNAME}", case_exact=True),
                "display": Scalar(f"user__{USERNAME}"),
            },
        ),
    }
)


DAVE = 'D"q\\z'


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def people(db):
    work = ContentType.objects.create(app_label="scimtest", model="work")
    home = ContentType.objects.create(app_label="scimtest", model="home")

    def email(user, kind, value):
        perm = Permission.objects.create(content_type=kind, codename=value, name=f"{value} mail")
        user.user_permissions.add(perm)

    def user(name, **fields):
        return User.objects.create(**{USERNAME: name}, **fields)

    alice = user(
        "alice",
        first_name="Alice",
        last_name="EXT-A",
        is_active=True,
        date_joined=utc(2020, 1, 1, 0, 0, 0, 500000),
        last_login=utc(2024, 5, 13, 4, 42, 34, 250000),
    )
    bob = user(
        "bob", first_name="Bob", last_name="ext-b", is_active=False, date_joined=utc(2021, 6, 1)
    )
    carol = user("carol", first_name="", last_name="", date_joined=utc(2022, 1, 1))
    dave = user(DAVE, first_name="dave", last_name="Ext-D", date_joined=utc(2023, 1, 1))
    email(alice, work, "alice@acme.test")
    email(alice, home, "alice@home.test")
    email(bob, home, "bob@acme.test")
    email(bob, work, "bob@corp.test")
    admins = Group.objects.create(name="Admins")
    staff = Group.objects.create(name="staff")
    Group.objects.create(name="empty")
    alice.groups.add(admins, Group.objects.create(name="team_50%"))
    bob.groups.add(staff, Group.objects.create(name="team-500"))
    dave.groups.add(staff)
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave}


def users():
    return User.objects.annotate(
        nick=NullIf(F("first_name"), Value("")), sid=Cast("id", output_field=CharField())
    )


def match(text, queryset=None):
    qs = filter_queryset(users() if queryset is None else queryset, text, USERS)
    return {getattr(u, USERNAME) for u in qs}


def group_match(text):
    return {g.name for g in filter_queryset(Group.objects.all(), text, GROUPS)}


ALL = {"alice", "bob", "carol", DAVE}
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def assert_invalid(text, registry=USERS, mentions=None):
    with pytest.raises(ScimError) as info:
        users().filter(compile_filter(text, registry)).count()
    assert info.value.status == 400
    assert info.value.scim_type == "invalidFilter"
    if mentions:
        assert mentions in info.value.detail
    return info.value


# ---- basic comparisons and case rules ---------------------------------------------------


def test_eq_case_insensitive_username(people):
    assert match('userName eq "ALICE"') == {"alice"}
    assert match('userName eq "alice"') == {"alice"}
    assert match('userName eq "alic"') == set()


def test_attribute_names_and_operators_are_case_insensitive(people):
    assert match('USERNAME EQ "alice"') == {"alice"}
    assert match('name.GIVENNAME Eq "alice"') == {"alice"}
    assert match('userName eq "alice" AND Active eq TRUE') == {"alice"}


def test_case_exact_eq(people):
    assert match('externalId eq "EXT-A"') == {"alice"}
    assert match('externalId eq "ext-a"') == set()
    assert match('externalId eq "ext-b"') == {"bob"}


# The caseless fold's SQL (cosmo_scim/protocol/caseless.py): ASCII capitals to lower case.
FOLD_SQL = "TRANSLATE(" if connection.vendor == "postgresql" else "LOWER("
ASCII_FOLD = f"TRANSLATE({{}}, '{string.ascii_uppercase}', '{string.ascii_lowercase}')"


def test_case_insensitive_eq_uses_the_fold_not_upper(people):
    sql = str(users().filter(compile_filter('userName eq "ALICE"', USERS)).query)
    assert FOLD_SQL in sql
    assert "UPPER(" not in sql
    assert "LIKE" not in sql.upper()


def test_case_exact_eq_has_no_fold(people):
    sql = str(users().filter(compile_filter('externalId eq "EXT-A"', USERS)).query)
    assert "LOWER(" not in sql and "UPPER(" not in sql and "TRANSLATE(" not in sql


def _plan_with_index(index_sql, text):
    """The plan of the filter ``text`` with the index ``index_sql`` on the user table
    (``{table}``, ``{column}``), sequential scans off: does the index serve the filter?"""
    table = connection.ops.quote_name(User._meta.db_table)
    column = connection.ops.quote_name(User._meta.get_field(USERNAME).column)
    with connection.cursor() as cursor:
        cursor.execute(index_sql.format(table=table, column=column))
        cursor.execute("SET enable_seqscan = off")
        try:
            return users().filter(compile_filter(text, USERS)).explain()
        finally:
            cursor.execute("RESET enable_seqscan")


@on_postgres
def test_case_insensitive_eq_uses_functional_index(people):
    fold = ASCII_FOLD.format("{column}")
    plan = _plan_with_index(
        f"CREATE INDEX scim_test_fold_name ON {{table}} (({fold}))", 'userName eq "ALICE"'
    )
    assert "scim_test_fold_name" in plan and "Seq Scan" not in plan, plan


@on_postgres
def test_case_insensitive_sw_is_a_range_of_a_prefix_index(people):
    """The escaped, folded pattern is a constant to the planner: ``LIKE 'al%'`` on the
    folded column is a range of a ``text_pattern_ops`` index on it."""
    fold = ASCII_FOLD.format("{column}::text")
    plan = _plan_with_index(
        f"CREATE INDEX scim_test_fold_prefix ON {{table}} (({fold}) text_pattern_ops)",
        'userName sw "AL"',
    )
    assert "scim_test_fold_prefix" in plan and "~>=~ 'al'" in plan and "~<~ 'am'" in plan, plan


def test_substring_operators_case_insensitive(people):
    assert match('userName co "LI"') == {"alice"}
    assert match('userName sw "AL"') == {"alice"}
    assert match('userName ew "OB"') == {"bob"}
    assert match('name.givenName sw "a"') == {"alice"}


@on_postgres
def test_substring_operators_case_exact(people):
    # SQLite's LIKE ignores ASCII case, so this only holds on PostgreSQL.
    assert match('externalId sw "EXT"') == {"alice"}
    assert match('externalId co "xt-"') == {"bob", DAVE}
    assert match('externalId ew "-d"') == set()


LIKE_CASES = [  # group names: Admins, staff, empty, team_50%, team-500
    ('co "%"', "team_50%"),
    ('co "_"', "team_50%"),
    ('sw "team_"', "team_50%"),
    ('ew "0%"', "team_50%"),
    ('co "m_5"', "team_50%"),
    ('co "%50"', None),
    ('sw "%"', None),
    ('ew "_"', None),
    ('sw "TEAM-5"', "team-500"),
]


@pytest.mark.parametrize("text, expected", LIKE_CASES)
def test_like_wildcards_are_escaped(people, text, expected):
    assert group_match(f"displayName {text}") == ({expected} if expected else set())


@pytest.mark.parametrize("text, expected", LIKE_CASES)
def test_like_wildcards_are_escaped_in_child_rows(people, text, expected):
    owner = {"team_50%": {"alice"}, "team-500": {"bob"}, None: set()}[expected]
    assert match(f"groups.display {text}") == owner


def test_gt_lt_on_strings(people):
    assert match('userName gt "B"') == {"bob", "carol", DAVE}
    assert match('userName ge "bob" and userName lt "carol"') == {"bob"}
    # Case-exact: binary collation (SQLite; the PostgreSQL test database is C.UTF-8).
    assert match('externalId lt "F"') == {"alice", "carol", DAVE}  # carol's "" < "F"


def test_string_escapes(people):
    assert match('userName eq "d\\"q\\\\z"') == {DAVE}
    assert match('userName eq "\\u0064\\"Q\\\\Z"') == {DAVE}


# ---- logic ------------------------------------------------------------------------------


def test_not(people):
    assert match('not (userName eq "alice")') == ALL - {"alice"}
    assert match('not (not (userName eq "alice"))') == {"alice"}
    assert match('not(userName eq "alice" or userName eq "bob")') == {"carol", DAVE}


def test_or_mixing(people):
    assert match('userName eq "alice" or externalId eq "ext-b"') == {"alice", "bob"}
    assert match('userName eq "nobody" or name.givenName eq "DAVE"') == {DAVE}


def test_and_binds_tighter_than_or(people):
    assert match('userName eq "alice" or userName eq "bob" and active eq false') == {
        "alice",
        "bob",
    }
    assert match('(userName eq "alice" or userName eq "bob") and active eq false') == {"bob"}
    assert match('active eq false and userName eq "bob" or userName eq "carol"') == {
        "bob",
        "carol",
    }


def test_nested_parentheses(people):
    text = '((userName eq "alice") or ((userName eq "bob") and (active eq true)))'
    assert match(text) == {"alice"}


def test_filter_is_anded_with_scope(people):
    scoped = users().filter(**{f"{USERNAME}__in": ["alice", "carol"]})
    assert match('userName eq "bob" or userName eq "alice"', scoped) == {"alice"}
    assert match('not (userName eq "alice")', scoped) == {"carol"}


# ---- absent values: pr, ne, null ---------------------------------------------------------


def test_pr_string_excludes_null_and_empty(people):
    assert match("nickName pr") == {"alice", "bob", DAVE}  # carol's is NULL
    assert match("externalId pr") == {"alice", "bob", DAVE}  # carol's is ""
    assert match(f"{ENTERPRISE}:department pr") == {"alice", "bob", DAVE}
    assert match("not (externalId pr)") == {"carol"}


def test_pr_datetime(people):
    assert match("meta.lastModified pr") == {"alice"}
    assert match("not (meta.lastModified pr)") == ALL - {"alice"}


def test_ne_is_negation_of_eq_including_null(people):
    assert match('nickName ne "alice"') == {"bob", "carol", DAVE}
    assert match('not (nickName eq "alice")') == {"bob", "carol", DAVE}
    assert match('nickName eq "alice"') | match('nickName ne "alice"') == ALL
    assert match('nickName co "o"') == {"bob"}
    assert match('not (nickName co "o")') == ALL - {"bob"}
    assert match('not (meta.lastModified lt "2030-01-01T00:00:00Z")') == ALL - {"alice"}


def test_null_comparisons(people):
    assert match("nickName eq null") == {"carol"}
    assert match("nickName ne null") == {"alice", "bob", DAVE}
    assert_invalid("nickName gt null")


def test_complex_single_valued(people):
    assert match("name pr") == {"alice", "bob", DAVE}
    assert match('name[givenName eq "ALICE"]') == {"alice"}
    assert_invalid('name eq "x"', mentions="name")


# ---- typed values -----------------------------------------------------------------------


def test_boolean(people):
    assert match("active eq true") == {"alice", "carol", DAVE}
    assert match("active eq false") == {"bob"}
    assert match("active ne true") == {"bob"}


@pytest.mark.parametrize(
    "text",
    ["active gt true", "active le false", 'active eq "true"', 'active co "t"', "active eq 1"],
)
def test_boolean_misuse_is_invalid(people, text):
    assert_invalid(text)


def test_datetime(people):
    assert match('meta.created gt "2021-01-01T00:00:00Z"') == {"bob", "carol", DAVE}
    assert match('meta.created lt "2021-06-01T00:00:00Z"') == {"alice"}
    assert match('meta.created le "2021-06-01T00:00:00Z"') == {"alice", "bob"}
    assert match('meta.created ge "2021-06-01T00:00:00Z"') == {"bob", "carol", DAVE}
    assert match('meta.created eq "2020-01-01T00:00:00Z"') == {"alice"}  # stored .5s
    assert match('meta.created eq "2020-01-01T00:00:00.5Z"') == {"alice"}
    assert match('meta.created eq "2020-01-01T00:00:00.4Z"') == set()
    assert match('meta.created eq "2020-01-01"') == {"alice"}
    assert match('meta.created gt "2020-01-01T01:00:00+02:00"') == ALL  # 2019-12-31T23:00Z


def test_datetime_precision_of_literal(people):
    ts = "2024-05-13T04:42:34Z"  # stored 04:42:34.25
    assert match(f'meta.lastModified eq "{ts}"') == {"alice"}
    assert match(f'meta.lastModified ge "{ts}"') == {"alice"}
    assert match(f'meta.lastModified le "{ts}"') == {"alice"}
    assert match(f'meta.lastModified gt "{ts}"') == set()
    assert match(f'meta.lastModified lt "{ts}"') == set()
    assert match('meta.lastModified eq "2024-05-13T06:42:34.250+02:00"') == {"alice"}
    assert match('meta.lastModified ne "2024-05-13T04:42:34Z"') == ALL - {"alice"}


@pytest.mark.parametrize(
    "value",
    [
        '"yesterday"',
        '"2011-13-45T00:00:00Z"',
        '"2011-05-13T25:00:00Z"',
        '"2011-05-13T04:42:34+99:00"',
        '"9999-12-31T23:59:59Z"',  # end of its second is past datetime.max
        "20110513",
        "true",
        '""',
    ],
)
def test_bad_datetime_is_invalid(people, value):
    assert_invalid(f"meta.created gt {value}")


def test_datetime_substring_is_invalid(people):
    assert_invalid('meta.created co "2020"')


def test_string_attribute_with_wrong_type_is_invalid(people):
    assert_invalid("userName eq 1")
    assert_invalid("userName eq 1.5e3")
    assert_invalid("userName eq true")
    assert_invalid("id eq 1")


@pytest.mark.parametrize(
    "value", ["abc", "", "1; DROP TABLE x", "ü", "%", "99999999999999999999999", "1.0", "-0"]
)
def test_malformed_id_matches_nothing(people, value):
    assert match(f'id eq "{value}"') == set()
    assert match(f'id ne "{value}"') == ALL


def test_id(people):
    assert match(f'id eq "{people["carol"].id}"') == {"carol"}
    assert match(f'id eq "{people["carol"].id}" or id eq "x"') == {"carol"}


# ---- URNs -------------------------------------------------------------------------------


def test_urn_attributes(people):
    assert match(f'{ENTERPRISE}:department eq "EXT-B"') == {"bob"}
    assert match(f'{ENTERPRISE.upper()}:DEPARTMENT eq "ext-b"') == {"bob"}
    assert match(f'{CORE_USER}:userName eq "alice"') == {"alice"}
    assert match(f'{CORE_USER}:name.givenName eq "bob"') == {"bob"}
    assert_invalid('department eq "x"', mentions="department")
    assert_invalid(f'{ENTERPRISE}:userName eq "alice"', mentions="userName")


# ---- multi-valued attributes --------------------------------------------------------------


def test_multi_valued_sub_attribute(people):
    assert match('emails.value eq "ALICE@acme.test"') == {"alice"}
    assert match('emails.value co "acme"') == {"alice", "bob"}
    assert match('emails co "home"') == {"alice"}  # the default sub-attribute "value"
    assert match('emails.type eq "work"') == {"alice", "bob"}


def test_value_path_with_tail(people):
    assert match('emails[type eq "work"].value eq "bob@acme.test"') == set()
    assert match('emails[type eq "home"].value eq "bob@acme.test"') == {"bob"}
    assert match('emails[type eq "WORK"].value ew "acme.test"') == {"alice"}


def test_value_filter_conditions_apply_to_same_row(people):
    # bob has a work email and an email containing "acme", but not one row with both.
    assert match('emails[type eq "work" and value co "acme"]') == {"alice"}
    assert match('emails[type eq "work"] and emails[value co "acme"]') == {"alice", "bob"}
    assert match('emails[type eq "home" and not (value sw "alice")]') == {"bob"}
    assert match('emails[(type eq "x" or type eq "home") and value co "bob"]') == {"bob"}


def test_value_path_compiles_to_one_subquery(people):
    """The bracket's condition and the tail's apply to the same child row: one subquery of
    the child table, counted per parent (registry.MultiValued.exists)."""
    sql = str(users().filter(compile_filter('emails[type eq "work"].value eq "x"', USERS)).query)
    assert sql.count("(SELECT") == 1


def test_multi_valued_pr_and_not(people):
    assert match("emails pr") == {"alice", "bob"}
    assert match("emails.value pr") == {"alice", "bob"}
    assert match("not (emails pr)") == {"carol", DAVE}
    assert match('not (emails[type eq "work"])') == {"carol", DAVE}
    assert match('not (emails[type eq "work" and value co "acme"])') == ALL - {"alice"}


def test_multi_valued_ne_means_no_value_equal(people):
    assert match('emails.value ne "bob@acme.test"') == ALL - {"bob"}
    assert match('emails[type eq "home"].value ne "bob@acme.test"') == ALL - {"bob"}
    assert match("emails.value eq null") == {"carol", DAVE}
    assert match("emails.value ne null") == {"alice", "bob"}


def test_groups_filter_on_users(people):
    assert match('groups[value eq "Admins"]') == {"alice"}
    assert match('groups[value eq "admins"]') == set()  # caseExact
    assert match('groups.value eq "garbage"') == set()
    assert match('groups.display eq "STAFF"') == {"bob", DAVE}


def test_group_members(people):
    assert group_match('members[value eq "alice"]') == {"Admins", "team_50%"}
    assert group_match('members.value eq "bob"') == {"staff", "team-500"}
    assert group_match('members.value eq "BOB"') == set()  # caseExact
    assert group_match("members pr") == {"Admins", "staff", "team_50%", "team-500"}
    assert group_match("not (members pr)") == {"empty"}
    assert group_match('displayName eq "admins"') == {"Admins"}
    assert group_match('members[display eq "bob"] or displayName sw "E"') == {
        "staff",
        "team-500",
        "empty",
    }


# ---- invalid filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ('unknownAttr eq "x" or userName eq "alice"', "unknownAttr"),
        ('userName eq "alice" or unknownAttr eq "x"', "unknownAttr"),
        ('not (unknownAttr eq "x")', "unknownAttr"),
        ("unknownAttr pr", "unknownAttr"),
        ('emails[bogus eq "x"]', "bogus"),
        ('emails.bogus eq "x"', "emails.bogus"),
        ('emails[type eq "work"].bogus eq "x"', "emails.bogus"),
        ('name.bogus eq "x"', "name.bogus"),
        ('userName.sub eq "x"', "userName.sub"),
        ('bogus[type eq "work"]', "bogus"),
        ('userName[type eq "work"]', "userName"),
    ],
)
def test_unknown_attribute_is_invalid(people, text, name):
    assert_invalid(text, mentions=name)


@pytest.mark.parametrize(
    "text",
    [
        "userName eq",
        'userName "alice"',
        'userName eq "alice" and',
        'or userName eq "alice"',
        '(userName eq "alice"',
        'userName eq "alice")',
        "()",
        'emails[type eq "work"',
        'emails[type eq "work"]]',
        'emails[type eq "work"].value',
        'emails[type eq "work"] eq "x"',
        'emails[type eq "work" and emails[value eq "x"]]',
        'emails.value[type eq "work"]',
        'userName eq "unterminated',
        'not userName eq "alice"',
        "not ()",
        'userName xx "alice"',
        'userName eq "alice" userName eq "bob"',
        '"alice" eq userName',
        'userName eq "\\q"',
        "userName eq alice",
        'userName eq "a\\u0000b"',
        'userName eq "a\\ud800b"',
        'userName eq "alice" & active eq true',
        "userName eq 'alice'",
        "1userName eq 1",
        'urn:foo eq "x"',
        "userName eq 01",
        "userName eq --1",
        "   ",
    ],
)
def test_bad_syntax_is_invalid(text):
    with pytest.raises(ScimError) as info:
        parse_filter(text)
    assert (info.value.status, info.value.scim_type) == (400, "invalidFilter")


def test_too_deep_or_too_long_is_invalid():
    with pytest.raises(ScimError):
        parse_filter("(" * 200 + 'userName eq "x"' + ")" * 200)
    with pytest.raises(ScimError):
        parse_filter(" or ".join(['userName eq "x"'] * 1000))
    with pytest.raises(ScimError):
        parse_filter('userName eq "' + "x" * 10000 + '"')
    with pytest.raises(ScimError):
        parse_filter(None)


def test_blank_filter_means_no_filter(people):
    assert compile_filter(None, USERS) == Q()
    assert compile_filter("  ", USERS) == Q()
    assert match("") == ALL


def test_random_input_only_raises_scim_error():
    rng = random.Random(7644)
    pieces = [
        "userName", "emails", "[", "]", "(", ")", "not", "and", "or", "eq", "pr", "gt", '"x"',
        '"', "\\", "1", "-1.5e3", "true", "null", ".value", "urn:a:b", ":", ".", " ", "'", "\x00",
        "emails[type eq \"work\"]", "meta.created", '"2020-01-01T00:00:00Z"', "é", "$ref",
    ]  # fmt: skip
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(1, 9)))
        try:
            compile_filter(text, USERS)
        except ScimError as error:
            assert error.status == 400 and error.scim_type == "invalidFilter", text


# ---- pagination and sorting ----------------------------------------------------------------


def test_pagination_defaults_and_clamping():
    page = parse_pagination(QueryDict(""), max_results=50)
    assert (page.start_index, page.count, page.offset) == (1, 50, 0)
    page = parse_pagination(QueryDict("startIndex=0&count=-5"), max_results=50)
    assert (page.start_index, page.count) == (1, 0)
    page = parse_pagination(QueryDict("startIndex=-3&count=500"), max_results=50)
    assert (page.start_index, page.count) == (1, 50)
    page = parse_pagination({"startindex": "101", "COUNT": "10"}, max_results=100)
    assert (page.start_index, page.count, page.offset) == (101, 10, 100)
    page = parse_pagination({"count": ""}, max_results=100, default_count=20)
    assert page.count == 20
    page = parse_pagination({"startIndex": "9" * 25}, max_results=10)
    assert page.start_index == 2**62


@pytest.mark.parametrize(
    "params",
    [
        {"startIndex": "abc"},
        {"count": "1.5"},
        {"count": "ten"},
        {"startIndex": "1e3"},
        {"count": "+-3"},
        {"count": "٣"},  # a non-ASCII digit
        {"startIndex": "1" * 40},
    ],
)
def test_pagination_non_integers_are_invalid(params):
    with pytest.raises(ScimError) as info:
        parse_pagination(params, max_results=100)
    assert (info.value.status, info.value.scim_type) == (400, "invalidValue")


def _names(qs):
    return [getattr(u, USERNAME) for u in qs]


def test_sort_and_page_on_database(people):
    qs = users().order_by(*parse_sort({"sortBy": "userName"}, USERS))
    assert _names(qs) == ["alice", "bob", "carol", DAVE]
    qs = users().order_by(*parse_sort(QueryDict("sortBy=USERNAME&sortOrder=Descending"), USERS))
    assert _names(qs) == [DAVE, "carol", "bob", "alice"]
    page = parse_pagination({"startIndex": "2", "count": "2"}, max_results=100)
    assert _names(page.apply(users().order_by(*parse_sort({"sortBy": "userName"}, USERS)))) == [
        "bob",
        "carol",
    ]
    assert parse_pagination({"count": "0"}, max_results=9).apply(users().order_by("pk")) == []


def test_sort_is_case_insensitive_for_case_insensitive_strings(people):
    User.objects.filter(**{USERNAME: "bob"}).update(**{USERNAME: "Bob"})
    qs = users().order_by(*parse_sort({"sortBy": "userName"}, USERS))
    assert _names(qs) == ["alice", "Bob", "carol", DAVE]


def test_sort_nulls_and_tiebreaker(people):
    by_login = parse_sort({"sortBy": "meta.lastModified"}, USERS)
    names = _names(users().order_by(*by_login))
    assert names[0] == "alice"  # the only one with a value; missing values sort last
    assert names[1:] == sorted(names[1:], key=lambda n: people[_key(n)].pk)
    desc = parse_sort({"sortBy": "meta.lastModified", "sortOrder": "descending"}, USERS)
    assert _names(users().order_by(*desc))[-1] == "alice"
    # Equal sort keys are ordered by pk, so pages never overlap.
    by_active = parse_sort({"sortBy": "active"}, USERS)
    assert _names(users().order_by(*by_active)) == ["bob", "alice", "carol", DAVE]
    assert parse_sort({}, USERS) == ["pk"]


def _key(username):
    return "dave" if username == DAVE else username


@pytest.mark.parametrize(
    "params",
    [
        {"sortBy": "bogus"},
        {"sortBy": "emails"},
        {"sortBy": "emails.value"},
        {"sortBy": "name"},
        {"sortBy": "userName desc"},
        {"sortBy": "userName", "sortOrder": "up"},
    ],
)
def test_sort_invalid(params):
    with pytest.raises(ScimError) as info:
        parse_sort(params, USERS)
    assert (info.value.status, info.value.scim_type) == (400, "invalidValue")
