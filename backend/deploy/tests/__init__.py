"""Tests of the deploy app: services, providers (with a fake vCenter), API and live runs."""
