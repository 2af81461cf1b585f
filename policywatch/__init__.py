"""policywatch: scheduled monitoring of AI-policy announcements.

The domain package never imports Prefect; the flows in ``flows/`` orchestrate it.
"""

__version__ = "0.1.0"
