; grammar: tree-sitter-starlark 1.3.0 (also compiled for tree-sitter-python 0.25, the fallback grammar)
; Attribute accesses `object.name` anywhere in a file. The rules that look for one name
; (host-env's `default_shell_env`, stamped-action's `version_file`) filter by its text: a query
; walks the tree in C, where a walk in Python cost rules_python 5 % of a scan.
(attribute
  attribute: (identifier) @attribute.name) @attribute
