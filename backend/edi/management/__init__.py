"""Management commands of the EDI app."""
