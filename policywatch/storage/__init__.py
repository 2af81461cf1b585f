"""Storage: the schema, prebuilt statements, Alembic migrations and the `Store`.

The only package that imports SQLAlchemy or Alembic; everything else calls named `Store`
methods (`add`, `claim_items`, `begin_delivery`, `open_consultations`, …).
"""

from policywatch.storage.store import Candidate, Store, Stored, item_dict

__all__ = ["Candidate", "Store", "Stored", "item_dict"]
