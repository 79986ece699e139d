import sys

from hermetic_scan.cli import main

sys.exit(main())
