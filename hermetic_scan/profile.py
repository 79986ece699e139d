"""The executor profile: the programs a remote worker image is assumed to provide.

The default is deliberately small: bash, coreutils-style base tools, getconf (glibc) and which
(debianutils, Essential on Debian and Ubuntu), which every common worker image (Debian/Ubuntu slim,
the Bazel RBE base images) carries. Anything else an action or test runs must be a declared input or
toolchain, or be added to the profile by the team that builds the worker image.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TOOLS = frozenset(
    """bash sh cp mkdir rm ln cat sed awk grep tar find sort xargs env ls mv touch chmod head tail wc cut
    tr tee dirname basename readlink realpath date sleep uniq diff cmp mktemp gzip gunzip expr seq stat
    du od sha256sum sha1sum md5sum base64 install paste comm printf echo test true false pwd rmdir nohup
    timeout nice chown id uname hostname yes getconf which""".split()
)


@dataclass(frozen=True)
class ExecutorProfile:
    tools: frozenset[str] = DEFAULT_TOOLS

    def provides(self, program: str) -> bool:
        base = program.rsplit("/", 1)[-1]
        if program.startswith("/"):
            return program.startswith(("/bin/", "/usr/bin/")) and base in self.tools
        return program in self.tools

    @staticmethod
    def build(add: list[str] | None = None, replace: list[str] | None = None) -> ExecutorProfile:
        tools = set(replace) if replace is not None else set(DEFAULT_TOOLS)
        tools.update(add or [])
        return ExecutorProfile(frozenset(tools))
