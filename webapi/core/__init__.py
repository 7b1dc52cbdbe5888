"""The shared core: settings, database, errors, events, auth and the runtime."""
