"""The deploy REST API: launch and list deployments, and seed 000's progress endpoint."""
