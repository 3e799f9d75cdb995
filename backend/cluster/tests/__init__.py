"""Tests of the cluster app: Flower reads and actions, health, the dashboard proxy."""
