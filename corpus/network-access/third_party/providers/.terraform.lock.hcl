# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/hashicorp/null" {
  version     = "3.2.2"
  constraints = "3.2.2"
  hashes = [
    "h1:vWAsYRd7MjYr3adj8BVKRKoY8n39bKYT6Sjkc57ptsY=",
  ]
}
