"""Tests of the project configuration: settings, compose files, API plumbing and polls."""
