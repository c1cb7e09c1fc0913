"""Connections: API credentials for scripts and connectors, their tokens and their error monitoring."""
