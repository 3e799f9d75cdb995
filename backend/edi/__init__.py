"""EDI invoice import: EDIFACT files uploaded, parsed and stored as invoices, one task per file."""
