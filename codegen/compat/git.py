"""Reading schema files as a git commit has them. Git is the developer's own; nothing here is a
pinned tool, so it runs directly, always with arguments, never through a shell."""

from __future__ import annotations

import subprocess
from pathlib import Path

from codegen.errors import ReleasedSchemasUnavailable

__all__ = ["GitTree", "default_ref"]

# Where released versions come from when no ref is given: the last commit on main that touched
# schema/ (a fresh clone has `main`; a CI checkout may only have `origin/main`).
MAIN_BRANCHES = ("main", "origin/main")


def _git(cwd: Path, *arguments: str) -> str:
    try:
        result = subprocess.run(
            ["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise ReleasedSchemasUnavailable(f"cannot run git: {error}") from None
    if result.returncode != 0:
        shown = " ".join(arguments[:3])
        raise ReleasedSchemasUnavailable(f"git {shown}: {result.stderr.strip()}")
    return result.stdout


class GitTree:
    """The schema directory's files at one commit of the repository holding it."""

    def __init__(self, schema_dir: Path, ref: str) -> None:
        self.root = Path(_git(schema_dir, "rev-parse", "--show-toplevel").strip())
        self.prefix = _git(schema_dir, "rev-parse", "--show-prefix").strip()
        self.ref = ref
        try:
            found = _git(self.root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except ReleasedSchemasUnavailable:
            raise ReleasedSchemasUnavailable(f"{ref!r} names no commit here") from None
        self.commit = found.strip()

    def files(self) -> list[str]:
        """Paths under `message/` (relative to the schema directory) at the ref."""
        listed = _git(
            self.root, "ls-tree", "-r", "--name-only", self.commit, "--", f"{self.prefix}message/"
        )
        return [line[len(self.prefix) :] for line in listed.splitlines() if line.endswith(".json")]

    def read(self, relative: str) -> str:
        return _git(self.root, "show", f"{self.commit}:{self.prefix}{relative}")


def default_ref(schema_dir: Path) -> str:
    """The last commit on main that touched the schema directory."""
    for branch in MAIN_BRANCHES:
        try:
            _git(schema_dir, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}")
        except ReleasedSchemasUnavailable:
            continue
        commit = _git(schema_dir, "log", "-1", "--format=%H", branch, "--", ".").strip()
        if commit:
            return commit
    raise ReleasedSchemasUnavailable(
        "no main branch touches the schema directory here: name a ref with AGAINST=<ref>"
    )
