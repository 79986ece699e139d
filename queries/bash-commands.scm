; grammar: tree-sitter-bash 0.25
; Simple commands, variable expansions and function names of a shell script.
(command
  name: (command_name) @command.name) @command
(simple_expansion
  (variable_name) @expansion.variable) @expansion
(expansion
  (variable_name) @expansion.variable) @expansion
(variable_assignment
  value: (_) @assignment.value)
(function_definition
  name: (word) @function.name)
(test_command) @test
(file_redirect) @redirect
(list) @list
(if_statement) @if
