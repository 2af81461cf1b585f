"""Prefect flows: thin orchestration over the policywatch package."""
