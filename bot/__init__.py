"""Onnuri's assembly layer: settings, the Bolt app, the CLI, catalogs and Block Kit builders."""
