"""Modal submissions: one module per form."""
