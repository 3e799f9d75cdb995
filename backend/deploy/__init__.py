"""VM deployments: a deployment history launched as a tracked task of eight steps."""
