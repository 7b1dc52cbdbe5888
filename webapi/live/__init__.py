"""The live feed: `/ws` and what the other parts publish on it."""
