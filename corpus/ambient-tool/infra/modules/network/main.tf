terraform {
  required_version = ">= 1.6.0"
}

variable "name" {
  type    = string
  default = "edge"
}

resource "null_resource" "network" {
  triggers = {
    name = var.name
  }
}
