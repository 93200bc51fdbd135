"""The dashboard: server-rendered pages for people, from the same reports the API serves as JSON."""
