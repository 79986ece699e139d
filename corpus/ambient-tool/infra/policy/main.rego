package main

deny[msg] {
  input.resource_changes[_].change.actions[_] == "delete"
  msg := "plans must not delete resources"
}
