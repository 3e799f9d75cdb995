"""The task REST API of API.md: executions, cancel, stats, export, templates, notifications."""
