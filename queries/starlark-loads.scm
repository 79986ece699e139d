; grammar: tree-sitter-starlark 1.3.0 (also compiled for tree-sitter-python 0.25, the fallback grammar)
; load("label", "symbol", alias = "symbol") statements at any level (Bazel only allows top level;
; the model reports where they sit).
(call
  function: (identifier) @_load_name
  arguments: (argument_list . (string) @load.label)
  (#eq? @_load_name "load")) @load
