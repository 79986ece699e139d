; grammar: tree-sitter-starlark 1.3.0 (also compiled for tree-sitter-python 0.25, the fallback grammar)
; The MODULE.bazel calls that give repositories their names in the root module: bazel_dep(),
; use_extension() (whose result use_repo() names repositories of) and use_repo_rule().
; https://bazel.build/rules/lib/globals/module
(call
  function: (identifier) @call.function
  arguments: (argument_list) @call.arguments
  (#any-of? @call.function "bazel_dep" "use_extension" "use_repo" "use_repo_rule")) @call
