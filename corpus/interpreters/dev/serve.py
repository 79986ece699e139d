#!/usr/bin/env python3
# ok: ambient-tool (a `bazel run` launcher)
"""Serves api.json on localhost for front-end development."""

import functools
import http.server
import os

directory = os.path.join(os.environ.get("RUNFILES_DIR", "."), "_main", "gen")
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
http.server.ThreadingHTTPServer(("127.0.0.1", 8000), handler).serve_forever()
