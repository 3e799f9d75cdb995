"""Runs TaskPulse's processes locally: embedded Redis, preflight checks and a supervisor."""
