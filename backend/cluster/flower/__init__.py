"""Flower from Django's side: its HTTP client, the parsing of its answers, and the service
that reads and acts through it."""
