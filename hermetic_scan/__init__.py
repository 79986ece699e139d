"""hermetic-scan: which Bazel targets can run on a remote executor, which cannot, and why."""

__version__ = "0.1.0"
