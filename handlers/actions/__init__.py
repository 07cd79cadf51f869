"""Button clicks: one module per flow."""
