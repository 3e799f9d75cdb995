"""edi_demo: generate EDIFACT files and import them, for a demo or a load test."""
