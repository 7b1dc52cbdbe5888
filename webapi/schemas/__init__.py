"""Pydantic request/response models of the HTTP API."""
