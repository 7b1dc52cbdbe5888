"""The cluster answers of `/api/cluster`: overview, health, nodes, node detail and the SD targets."""
