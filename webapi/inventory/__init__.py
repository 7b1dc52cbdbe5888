"""The node inventory: a YAML file synced into the `nodes` table, plus changes made through the API.

Other parts read it through `webapi.inventory.store` (`list_nodes`, `get_node`).
"""
