"""HTTP routers: thin adapters from requests to the service modules."""
