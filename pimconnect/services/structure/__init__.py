"""The catalog structure: locales, currencies, channels, category trees, attributes, families (their rules and writes)."""
