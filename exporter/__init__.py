"""dispycluster-exporter: a node exporter with node_exporter's metric names, one module per collector."""

# The project's version, as pyproject.toml gives it (a test checks that they agree). Asking the installed
# package's metadata for it would import importlib.metadata: 0.8 MiB of the exporter's ~27 MiB.
__version__ = "0.1.0"
