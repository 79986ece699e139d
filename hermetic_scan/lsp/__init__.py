"""The language server: a thin adapter that runs the engine on open documents and publishes findings."""
