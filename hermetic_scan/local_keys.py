"""The keys that keep work off remote executors: as a target's tags, they reach its actions'
execution requirements; as an action's execution requirements, or added by `--modify_execution_info`,
they pin that action to the local machine.

https://bazel.build/reference/be/common-definitions#common.tags: `no-sandbox` actions "can still be
cached or run remotely", so it is not among them.
"""

from __future__ import annotations

LOCAL_KEYS = ("no-remote-exec", "no-remote", "local")
LOCAL_KEY_SET = frozenset(LOCAL_KEYS)
# Tests Bazel runs locally (unless --incompatible_exclusive_test_sandboxed).
LOCAL_TEST_TAGS = frozenset({"exclusive"})
