"""Records compare by value and print their fields (``records.Record``):
tests compare whole findings, not message substrings."""
from __future__ import annotations

import pytest

from worktree_guard.model import Head
from worktree_guard.model import Violation
from worktree_guard.records import Checkout
from worktree_guard.records import Record
from worktree_guard.records import RepoCheckout


def finding(**kw: object) -> Violation:
    return Violation('branch-name', 'bad name', **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(('a', 'b', 'equal'), [
    (finding(), finding(), True),
    (finding(fix=['x']), finding(fix=('x',)), True),   # fix is kept a list
    (finding(kind='k'), finding(), False),
    (finding(line=1), finding(line=2), False),
    (Violation('a', 'm'), Violation('b', 'm'), False),
    (Head('branch', 'main', 'a' * 40), Head('branch', 'main', 'a' * 40),
     True),
    (Head('branch', 'main', 'a' * 40), Head('detached', None, 'a' * 40),
     False),
    # Same fields, other class: never equal.
    (RepoCheckout('/r', 'main', 'main', '/r/.git'),
     Checkout('main', '/r', ['/r']), False),
])
def test_records_compare_by_value(a: Record, b: Record, equal: bool) -> None:
    assert (a == b) is equal
    assert (a != b) is not equal


def test_a_record_is_not_equal_to_another_type() -> None:
    assert finding() != ('branch-name', 'bad name')
    assert finding().__eq__(object()) is NotImplemented


def test_records_are_mutable_so_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(finding())


def test_repr_names_every_field() -> None:
    assert repr(finding(token='x')) == (
        "Violation(rule='branch-name', kind=None, message='bad name', "
        "severity='error', path=None, line=None, col=None, ref=None, "
        "token='x', fix=[])")

    class Partial(Record):
        __slots__ = ('a', 'b')

        def __init__(self) -> None:
            self.a = 1

    assert repr(Partial()) == 'Partial(a=1, b=<unset>)'
    assert Partial() == Partial()
