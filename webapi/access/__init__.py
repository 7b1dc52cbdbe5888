"""Who may do what: named API tokens, their roles, and the role each route needs."""
