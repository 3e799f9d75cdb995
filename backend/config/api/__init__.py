"""The REST plumbing every app's API shares: error shapes, input, pagination and ETags."""
