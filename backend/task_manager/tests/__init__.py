"""Tests of the task manager, one file per module, plus live tests against real processes."""
