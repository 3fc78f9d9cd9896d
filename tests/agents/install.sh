#!/usr/bin/env bash
# Install the pinned coding-agent CLIs the tests in tests/agents/ drive,
# into a cache folder outside the repository:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/worktree-guard/agents/<pkg>@<version>
# Idempotent: a package already installed (its stamp file is there) costs
# nothing.  Called by ./dev test and .ci/run when npm is on PATH; a
# failure (no registry) only prints a note: the tests then skip, naming why.
# (.ci/run also installs bubblewrap and socat, for Claude Code's sandbox.)
set -uo pipefail
ROOT="${WORKTREE_GUARD_AGENTS:-${XDG_CACHE_HOME:-$HOME/.cache}/worktree-guard/agents}"
# Keep in step with tests/agents/clients.py (one folder each, so a new pin
# installs beside the old one).
PACKAGES=(
    "@anthropic-ai/claude-code@2.1.337"
    "@google/gemini-cli@0.61.0"
    "@openai/codex@0.171.0"
)
if ! command -v npm >/dev/null 2>&1; then
    echo "note: npm not found; the agent CLI tests skip" >&2
    exit 0
fi
rc=0
for spec in "${PACKAGES[@]}"; do
    dest="$ROOT/$spec"
    [ -f "$dest/.wg-installed" ] && continue
    mkdir -p "$dest"
    log="$dest/.npm-install.log"
    if npm install --prefix "$dest" --no-audit --no-fund --no-save \
            --loglevel=error "$spec" >"$log" 2>&1; then
        touch "$dest/.wg-installed"
        echo "installed $spec into $dest" >&2
    else
        echo "note: npm install $spec failed (log: $log); its tests skip" >&2
        rc=1
    fi
done
exit "$rc"
