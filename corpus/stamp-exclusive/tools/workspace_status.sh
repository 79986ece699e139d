#!/usr/bin/env bash
# --workspace_status_command: runs on the client before every build.
echo "STABLE_GIT_COMMIT $(git rev-parse HEAD 2> /dev/null || echo unknown)"
echo "BUILD_TIMESTAMP $(date +%s)"
