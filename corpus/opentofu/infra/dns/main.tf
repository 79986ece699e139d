resource "null_resource" "zone" {}
