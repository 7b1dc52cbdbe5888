"""The cluster answers of `/api/cluster`: overview, health, nodes, node detail, the SD targets, and the
inventory's changes (kept by `webapi.inventory`, answered with the cluster's view of the node)."""
