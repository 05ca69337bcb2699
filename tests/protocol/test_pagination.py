"""totalResults from the page alone (cosmo_scim/protocol/pagination.py ``total_results``):
counted only when the page cannot tell it."""

import pytest

from cosmo_scim.protocol.pagination import Pagination, total_results


def refuse_to_count():
    raise AssertionError("counted although the page tells the total")


@pytest.mark.parametrize(
    ("start_index", "count", "returned", "total"),
    [
        (1, 10, 3, 3),  # a short first page
        (21, 10, 4, 24),  # a short last page
        (1, 10, 0, 0),  # nothing matches
    ],
)
def test_the_page_tells_the_total(start_index, count, returned, total):
    assert total_results(Pagination(start_index, count), returned, refuse_to_count) == total


@pytest.mark.parametrize(
    ("start_index", "count", "returned"),
    [
        (1, 10, 10),  # a full page: more may follow
        (31, 10, 0),  # past the last page
        (1, 0, 0),  # count=0 asks for the total alone
    ],
)
def test_otherwise_the_query_is_counted(start_index, count, returned):
    assert total_results(Pagination(start_index, count), returned, lambda: 57) == 57
