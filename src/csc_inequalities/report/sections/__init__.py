"""One module per report section, each with ``build_context(inputs, config) -> dict``."""
