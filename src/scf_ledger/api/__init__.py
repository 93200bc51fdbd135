"""The REST API: FastAPI under /v1, API keys per party, problem+json errors, idempotent POSTs."""
