; grammar: tree-sitter-starlark 1.3.0 (also compiled for tree-sitter-python 0.25, the fallback grammar)
; Top-level definitions of a module: functions and assignments.
(module
  (function_definition
    name: (identifier) @function.name) @function)
(module
  (expression_statement
    (assignment
      left: (_) @assignment.target
      right: (_) @assignment.value) @assignment))
