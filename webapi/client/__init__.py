"""The command-line client of the REST API: `dispycluster job …` and `dispycluster node drain|resume`."""
