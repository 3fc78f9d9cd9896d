"""Slugs for branch and worktree names (``issue-<N>-<slug>``)."""
from __future__ import annotations

import re

_TAG = re.compile(r'\[[^]]*\]')
_LEADING = re.compile(r'^[:\s]+')
_DROP = re.compile(r'[^a-z0-9-]')
_DASHES = re.compile(r'-{2,}')
# A number standing alone between separators (`fix-42-x`, `42/x`), not a
# version digit glued to a word (`login-v2`, `release2`).
_NUMBER = re.compile(r'(?:^|(?<=[-_/#. ]))([1-9][0-9]{0,8})(?=$|[-_/. ])')


def slugify(title: str, max_length: int = 40) -> str:
    """Slugify an issue title the way the workflow's script did.

    Accented and other non-ASCII letters are transliterated first
    (``ü`` -> ``u``, ``ß`` -> ``ss``, ``Ł`` -> ``L``) by ``anyascii``, which
    is imported only for a title that is not plain ASCII.  Then strip
    ``[tags]`` and a leading ``:``, lowercase, spaces to hyphens, drop
    everything outside ``[a-z0-9-]``, squeeze and trim hyphens, then cut to
    ``max_length`` at a word boundary (hard when there is no hyphen).  Unlike
    the shell original (``${t%-*}``), a cut that falls exactly on a boundary
    keeps the last whole word.
    """
    t = title if title.isascii() else _transliterate(title)
    t = _TAG.sub('', t)
    t = _LEADING.sub('', t)
    t = t.lower().replace(' ', '-')
    t = _DROP.sub('', t)
    t = _DASHES.sub('-', t).strip('-')
    if len(t) > max_length:
        cut = t[:max_length]
        if t[max_length] != '-' and '-' in cut:
            cut = cut[:cut.rindex('-')]
        t = cut.strip('-')
    return t


def _transliterate(text: str) -> str:
    # deferred: anyascii only for a non-ASCII title
    from anyascii import anyascii
    return anyascii(text)


def suggest_branch(name: str, max_length: int = 40,
                   issue: str | None = None) -> str:
    """A compliant name for a non-compliant branch: ``Feature/Add Login`` ->
    ``issue-<N>-add-login``.  A number standing alone in the name becomes
    the issue number, unless ``issue`` is known (at push: the compliant
    local branch's)."""
    number = _NUMBER.search(name) if issue is None else None
    issue = issue or (number.group(1) if number else '<N>')
    tail = name.rsplit('/', 1)[-1]
    if number:
        start, end = number.span(1)
        head = len(name) - len(tail)
        if start >= head:
            tail = tail[:start - head] + ' ' + tail[end - head:]
    tail = re.sub(r'^(issue|issues|gh|bug|fix|feat|feature)[-_ ]+', '',
                  tail.strip(), flags=re.IGNORECASE) or tail
    slug = slugify(tail.replace('_', ' ').replace('.', ' '), max_length)
    slug = re.sub(r'^(issue|issues)-', '', slug)
    slug = slug or slugify('short description', max_length) or 's'
    return f'issue-{issue}-{slug}'
