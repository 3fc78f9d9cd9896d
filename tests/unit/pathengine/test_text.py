"""pathengine/text.py: decoding spellings, home users, file kinds."""
from __future__ import annotations

import pytest

from worktree_guard.pathengine import text


@pytest.mark.parametrize(('raw', 'decoded'), [
    ('%2e%2e%2Fx%5cy', '../x\\y'),
    ('%41%2e', '%41.'),
    ('100%', '100%'),
    ('..\\/x', '../x'),
    ('..\\..\\x', '../../x'),
    ('a/b\\nc', 'a/b'),
    ('a/b\\x\\', 'a/b\\x\\'),
    ('C:\\\\Users\\\\ann', 'C:\\Users\\ann'),
])
def test_decode(raw: str, decoded: str) -> None:
    assert text.decode(raw) == decoded


@pytest.mark.parametrize(('token', 'user'), [
    ('/home/ann/x', 'ann'), ('C:/Users/bo/x', 'bo'), ('/home/ann', None),
    ('x/home/ann/y', None), ('C:\\Users\\cy\\x', 'cy'),
])
def test_home_user(token: str, user: str | None) -> None:
    assert text.home_user(token) == user


@pytest.mark.parametrize(('user', 'real'), [
    ('ann', True), ('runner', False), ('app', False), ('*', False),
    ('USER', False), ('.cache', False), ('dev1', True),
])
def test_plausible_user(user: str, real: bool) -> None:
    assert text.plausible_user(user, {'dev1x'}) is real
    assert text.plausible_user('svc', {'svc'}) is False


@pytest.mark.parametrize(('path', 'head', 'kind'), [
    ('.gitmodules', b'', 'gitmodules'), ('a/b.min.js', b'', 'generated'),
    ('CHANGELOG', b'', 'changelog'), ('HISTORY.rst', b'', 'changelog'),
    ('README', b'', 'doc'), ('docs/a.adoc', b'', 'doc'),
    ('x.bash', b'', 'shell'), ('.bashrc', b'', 'shell'),
    ('bin/tool', b'#!/bin/sh\nx', 'shell'), ('bin/t', b'#!/usr/bin/env bash',
                                              'shell'),
    ('bin/py', b'#!/usr/bin/env python3\n', 'code'),
    ('.env.local', b'', 'config'), ('a.toml', b'', 'config'),
    ('Makefile', b'', 'code'), ('changes.py', b'', 'code'),
])
def test_file_kind(path: str, head: bytes, kind: str) -> None:
    assert text.file_kind(path, head) == kind


@pytest.mark.parametrize(('path', 'test'), [
    ('tests/a.py', True), ('src/a_test.go', True), ('a.spec.ts', True),
    ('x/__snapshots__/a', True), ('test.py', True), ('a.snap', True),
    ('src/app.py', False), ('testing.md', False),
])
def test_is_test(path: str, test: bool) -> None:
    assert text.is_test(path) is test
