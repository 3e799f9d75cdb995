"""make cluster-test: the product as a cluster (README, "Scaling out")."""
