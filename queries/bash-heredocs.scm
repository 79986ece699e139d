; grammar: tree-sitter-bash 0.25
; Here-documents: how generators (genrules, macros) write scripts, `cat <<'EOF' > file ... EOF`.
; The command and the file they are written to are read from the enclosing redirected_statement.
(heredoc_redirect
  (heredoc_body) @heredoc.body) @heredoc
