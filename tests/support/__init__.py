"""Helpers shared by the integration tests: free loopback ports and processes cleaned up by PID."""
