"""The node install's wheels on the master: gathered by `dispycluster wheelhouse build`, served as a
PEP 503 simple index at /simple/ so that nodes on an offline LAN install from the master."""
