"""The logic behind the routers: each module builds the answers of one area."""
