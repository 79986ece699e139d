name = "edge-staging"
