"""OS-enforced write limits (issue 22): ``worktree-guard sandbox``.

``roots`` computes the folders a sandboxed command may write (pure: from a
``CheckoutMap`` and the paths the caller resolved); ``facts`` reads what
that computation needs from the machine (the environment, ``core.hooksPath``
from git's config files, without a git process); ``landlock`` asks the Linux
kernel to enforce it through the Landlock system calls, ``bwrap`` through
bubblewrap's read-only bind mounts, and ``launch`` starts the command and
waits for it.  Nothing here imports ``subprocess``, ``typing`` or
``argparse``: the sandbox starts once per shell command an agent runs.
"""
