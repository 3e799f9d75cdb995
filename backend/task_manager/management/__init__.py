"""Management commands of the task manager."""
