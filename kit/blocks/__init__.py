"""Pure Block Kit builders: plain data in, dicts out. Strings come from the catalogs."""
