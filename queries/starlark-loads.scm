; grammar: tree-sitter-starlark 1.3.0 (also compiled for tree-sitter-python 0.25, the fallback grammar)
; load("label", "symbol", alias = "symbol") statements. The loader runs this query on top-level
; statements only: Bazel rejects a load() anywhere else.
(call
  function: (identifier) @_load_name
  arguments: (argument_list . (string) @load.label)
  (#eq? @_load_name "load")) @load
