"""The node inventory: a YAML file synced into the `nodes` table, plus changes made through the API.

Other parts read it through `webapi.inventory.store` (`list_nodes`, `get_node`). It has no routes of its
own: adding, changing and removing a node are `/api/cluster/nodes` calls that answer with the node as the
cluster sees it (inventory, monitoring and dispatch together), so they live in `webapi.cluster.routes`,
which depends on this package and not the other way round.
"""
