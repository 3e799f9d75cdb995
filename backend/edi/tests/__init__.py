"""Tests of the EDI app: parsers, services, platform hooks, API and live imports."""
