"""The database schema in one place (SQLAlchemy Core); unique constraints make re-runs idempotent.

This metadata is the schema at the Alembic head (policywatch/storage/migrations): change both
together; tests/test_migrations.py checks they agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Every article URL ever seen, with its text, metadata and one status:
# failed | baseline | duplicate | off_topic | new.
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("canonical_url", String(2048), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("title", Text, nullable=True),
    Column("text", Text, nullable=True),
    Column("published", Date, nullable=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("week", String(8), nullable=False),  # ISO week the item belongs to (e.g. 2026-W47)
    Column("language", String(16), nullable=True),
    Column("author", Text, nullable=True),
    Column("sitename", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("duplicate_of", String(2048), nullable=True),
    Column("story_id", Integer, nullable=True),
    Column("text_hash", String(40), nullable=True),
    Column("relevance", Float, nullable=True),
    Column("topics", Text, nullable=True),  # JSON list
    Column("region", String(64), nullable=True),
    Column("fired", Text, nullable=True),  # JSON list of lexicon terms that matched
    Column("error", Text, nullable=True),
    # Revision 0003: what the page says of the instrument it carries.
    Column("document_number", String(128), nullable=True),
    Column("issuer", Text, nullable=True),
    Column("cites", Text, nullable=True),  # JSON list of cited instrument identifiers
    # Revision 0004: the instrument's stage and dates, and the draft a final adopts.
    Column("stage", String(8), nullable=True),  # draft | final | NULL
    Column("consultation_deadline", Date, nullable=True),
    Column("effective_date", Date, nullable=True),
    Column("instrument_key", String(200), nullable=True),
    Column("final_of", String(2048), nullable=True),  # URL of the stored draft a final adopts
    # Revision 0007: for a duplicate, the layer that matched it and (cross-language) the
    # evidence, a JSON list of shared keys.
    Column("match_layer", String(16), nullable=True),
    Column("match_evidence", Text, nullable=True),
    # Revision 0008: the dedupe.FINGERPRINT_VERSION its band keys were computed with.
    Column("fingerprint_version", Integer, nullable=True),
    UniqueConstraint("canonical_url", name="uq_items_canonical_url"),
)
Index("ix_items_week_status", items.c.week, items.c.status)
Index("ix_items_text_hash", items.c.text_hash)
Index("ix_items_story", items.c.story_id)
# Revision 0002: briefing claims and `items --since` filter on first_seen.
Index("ix_items_first_seen", items.c.first_seen)
# Revision 0004: a final finds the drafts it may adopt; the briefing lists open consultations.
Index("ix_items_stage_published", items.c.stage, items.c.published)
Index("ix_items_consultation_deadline", items.c.consultation_deadline)

# MinHash-LSH band keys of stored item texts: candidate lookup without texts in memory.
lsh_buckets = Table(
    "lsh_buckets",
    metadata,
    Column("key", BigInteger, nullable=False),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("key", "item_id", name="pk_lsh_buckets"),
)

# Revision 0007: the cross-language evidence keys of live items (policywatch.crosslang), with
# the item's language and date, so an item finds its other-language candidates by shared keys
# within the window, not by a scan.
cross_keys = Table(
    "cross_keys",
    metadata,
    Column("key", String(160), nullable=False),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("language", String(2), nullable=False),  # zh | en
    Column("published", Date, nullable=False),
    PrimaryKeyConstraint("key", "item_id", name="pk_cross_keys"),
)
Index("ix_cross_keys_lookup", cross_keys.c.key, cross_keys.c.language, cross_keys.c.published)
Index("ix_cross_keys_item", cross_keys.c.item_id)

# One row per source per ingest run: what it found, and why it failed.
fetch_runs = Table(
    "fetch_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("finished", DateTime(timezone=True), nullable=False),
    Column("found", Integer, nullable=False, default=0),
    Column("fetched", Integer, nullable=False, default=0),
    Column("new", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
)
Index("ix_fetch_runs_source_started", fetch_runs.c.source_id, fetch_runs.c.started)
# Revision 0002: the briefing's "sources checked" and health queries select runs by time only.
Index("ix_fetch_runs_started", fetch_runs.c.started)

# HTTP validators for conditional GET of feeds, sitemaps and listings.
http_cache = Table(
    "http_cache",
    metadata,
    Column("url", String(2048), primary_key=True),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
)

# Revision 0009: robots.txt bodies by origin (None: absent, everything allowed), reused for
# ROBOTS_MAX_AGE as RFC 9309 allows, so an unchanged scheduled run makes one request a source.
robots_txt = Table(
    "robots_txt",
    metadata,
    Column("origin", String(512), primary_key=True),
    Column("body", Text, nullable=True),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)

# Briefing ledger: one row per (week, recipient list); the unique key enforces one send per week.
briefings = Table(
    "briefings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("week", String(8), nullable=False),
    Column("recipients", Text, nullable=False),
    Column("status", String(16), nullable=False),  # sending | sent | failed
    Column("message_id", String(255), nullable=True),
    Column("item_count", Integer, nullable=False, default=0),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("error", Text, nullable=True),
    UniqueConstraint("week", "recipients", name="uq_briefings_week_recipients"),
)

# Which items went into which week's briefing: an item appears in at most one briefing.
briefing_items = Table(
    "briefing_items",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("week", String(8), nullable=False),
)
Index("ix_briefing_items_week", briefing_items.c.week)

# Revision 0006: delivery to subscriptions (profiles, alert rules, source-failure notices).
# One row per (kind, subject, recipient): a profile's week, an alert batch or a failure streak,
# to one recipient (an email list or an apprise URL as written, `${VAR}` unexpanded).
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # briefing | alert | source_failing
    Column("subject", String(255), nullable=False),  # e.g. 2026-W47/china-desk
    Column("recipient", Text, nullable=False),
    Column("status", String(16), nullable=False),  # sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("item_count", Integer, nullable=False, default=0),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("error", Text, nullable=True),
    UniqueConstraint("kind", "subject", "recipient", name="uq_deliveries_kind_subject_recipient"),
)

# Which stories each alert rule has taken into which batch: a story is alerted once per rule.
alert_claims = Table(
    "alert_claims",
    metadata,
    Column("rule_id", String(64), nullable=False),
    Column("story_id", Integer, nullable=False),
    Column("batch", String(64), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("rule_id", "story_id", name="pk_alert_claims"),
)
Index("ix_alert_claims_batch", alert_claims.c.batch)

# When each alert rule was first seen: it alerts on stories first seen from then on, not on
# the whole history.
alert_rules = Table(
    "alert_rules",
    metadata,
    Column("rule_id", String(64), primary_key=True),
    Column("since", DateTime(timezone=True), nullable=False),
)
