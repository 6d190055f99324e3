"""The payload kinds ``pao-console import`` reads (kept apart so the command line parses without loading parsers)."""

IMPORT_KINDS = ("air4thai", "air4thai-history", "firms", "thaiwater", "open311", "geojson")
