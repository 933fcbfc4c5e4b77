"""Friends of the Forum assistant: application wiring, configuration, scheduling, mail, CLI."""
