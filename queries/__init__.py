"""Tree-sitter queries, shipped with the package as data (see parse.py)."""
