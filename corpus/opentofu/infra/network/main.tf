resource "null_resource" "vpc" {}
