"""``policy show``: the effective policy, each key with its source."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.policy import Policy


def render(policy: Policy, fmt: str = 'yaml') -> str:
    if fmt == 'json':
        return json.dumps({
            'policy': policy.data,
            'sources': {f'{s}.{k}': policy.sources.get(f'{s}.{k}', 'default')
                        for s, v in policy.data.items() for k in v},
            'file': policy.path,
        }, indent=2)
    # deferred: yaml (~10 ms) only for the YAML view
    import yaml
    lines = [f"# effective policy ({'file: ' + policy.path if policy.path else 'no policy file: built-in defaults'})",
             'version: 1']
    for section, values in policy.data.items():
        lines.append(f'{section}:')
        for key, val in values.items():
            dumped = yaml.safe_dump({key: val}, default_flow_style=True,
                                    width=10_000).strip()[1:-1]
            source = policy.sources.get(f'{section}.{key}', 'default')
            lines.append(f'  {dumped:<60} # {source}')
    return '\n'.join(lines)
