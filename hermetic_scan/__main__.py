from hermetic_scan.cli import entry

entry()
