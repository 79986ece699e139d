"""`python -m hermetic_scan`.

`-m` puts the current directory first on sys.path, so a `tomllib.py` (or any module named like one
we import) in the analyzed directory would be imported and run. It is dropped before anything else
is imported (the package itself is found through its installation).
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()) and not sys.flags.safe_path:
    del sys.path[0]

try:
    from hermetic_scan.cli import entry
except KeyboardInterrupt:  # interrupted while starting: no traceback
    sys.stderr.write("hermetic-scan: interrupted\n")
    raise SystemExit(130) from None

entry()
