; grammar: tree-sitter-starlark 1.3.0 (also compiled for tree-sitter-python 0.25, the fallback grammar)
; Every call with its callee and argument list. Rules and the model share these captures.
(call
  function: (_) @call.function
  arguments: (argument_list) @call.arguments) @call
