"""The EDI REST API: upload and follow imports, browse invoices and suppliers."""
