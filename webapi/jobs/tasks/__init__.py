"""Built-in task types. Each `<name>.py` declares the type (parameters, service-side hooks); each
`<name>_node.py` is the code shipped to the nodes and uses only the standard library."""
