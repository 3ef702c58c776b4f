"""The SQLite schema as a list of migrations: each entry upgrades the database by one
version. Never edit a released entry; append a new one."""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: chats, announcements and deliveries, the question log, the digest rotation.
    (
        """
        CREATE TABLE chats (
            chat_id INTEGER PRIMARY KEY,
            chat_type TEXT NOT NULL,
            title TEXT,
            username TEXT,
            subscribed INTEGER NOT NULL DEFAULT 0 CHECK (subscribed IN (0, 1)),
            added_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE announcements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            html TEXT NOT NULL,
            kind TEXT NOT NULL,
            topic TEXT,
            created_by INTEGER NOT NULL,
            created_at REAL NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('draft', 'sending', 'done', 'cancelled')),
            started_at REAL,
            finished_at REAL
        )
        """,
        # chat_id has no declared type, so SQLite keeps ints as ints and '@names' as text;
        # chat_key is its canonical text form (usernames lower-cased) and carries uniqueness.
        """
        CREATE TABLE deliveries (
            announcement_id INTEGER NOT NULL
                REFERENCES announcements (id) ON DELETE CASCADE,
            chat_key TEXT NOT NULL,
            chat_id NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            message_id INTEGER,
            updated_at REAL NOT NULL,
            PRIMARY KEY (announcement_id, chat_key)
        )
        """,
        "CREATE INDEX deliveries_by_chat ON deliveries (chat_key, status)",
        # Deliberately no user id column: the log is for statistics, not for tracking people.
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            asked_at REAL NOT NULL,
            text TEXT NOT NULL,
            intent TEXT,
            matched INTEGER NOT NULL CHECK (matched IN (0, 1)),
            confidence REAL NOT NULL,
            chat_type TEXT NOT NULL
        )
        """,
        "CREATE INDEX questions_by_intent ON questions (matched, intent)",
        """
        CREATE TABLE unanswered (
            normalised TEXT PRIMARY KEY,
            count INTEGER NOT NULL,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL
        )
        """,
        # Facts shown in the current digest round; emptied when a new round starts.
        """
        CREATE TABLE digest_shown (
            fact_id TEXT PRIMARY KEY,
            shown_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE kv (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at REAL NOT NULL
        )
        """,
    ),
    # 2: one name for a fact's id everywhere ("fact_id"), and an announcement's "origin"
    # (card, text or digest) instead of a "kind" and a "topic".
    (
        "ALTER TABLE announcements RENAME COLUMN kind TO origin",
        "ALTER TABLE announcements RENAME COLUMN topic TO fact_id",
        "UPDATE announcements SET origin = 'card' WHERE origin = 'topic'",
        "DROP INDEX questions_by_intent",
        "ALTER TABLE questions RENAME COLUMN intent TO fact_id",
        "CREATE INDEX questions_by_fact ON questions (matched, fact_id)",
    ),
    # 3: one sender at a time, and the truth about each delivery. The sender's lease; each
    # delivery claimed ('in_flight', by whom, when) before it is sent and 'unconfirmed' when
    # its sender vanished mid-send; whether the operator's report went out; one digest per day.
    # SQLite cannot change a CHECK constraint, so deliveries is copied into a new table.
    (
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            acquired_at REAL NOT NULL,
            renewed_at REAL NOT NULL,
            expires_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE deliveries_v3 (
            announcement_id INTEGER NOT NULL
                REFERENCES announcements (id) ON DELETE CASCADE,
            chat_key TEXT NOT NULL,
            chat_id NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('pending', 'in_flight', 'sent', 'failed', 'dropped', 'unconfirmed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            message_id INTEGER,
            updated_at REAL NOT NULL,
            claimed_by TEXT,
            claimed_at REAL,
            PRIMARY KEY (announcement_id, chat_key)
        )
        """,
        """
        INSERT INTO deliveries_v3 (announcement_id, chat_key, chat_id, status, attempts, error,
            message_id, updated_at)
        SELECT announcement_id, chat_key, chat_id, status, attempts, error, message_id, updated_at
        FROM deliveries ORDER BY rowid
        """,
        "DROP TABLE deliveries",
        "ALTER TABLE deliveries_v3 RENAME TO deliveries",
        "CREATE INDEX deliveries_by_chat ON deliveries (chat_key, status)",
        "ALTER TABLE announcements ADD COLUMN report_owner TEXT",
        "ALTER TABLE announcements ADD COLUMN reported_at REAL",
        "UPDATE announcements SET reported_at = finished_at WHERE status = 'done'",
        """
        CREATE TABLE digest_runs (
            day TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            announcement_id INTEGER REFERENCES announcements (id) ON DELETE SET NULL,
            fact_id TEXT,
            created_at REAL NOT NULL
        )
        """,
    ),
    # 4: the language a chat chose for the bot's replies (/language); none until it chooses.
    ("ALTER TABLE chats ADD COLUMN language TEXT",),
    # 5: the feedback loop. Unanswered questions get a short id (for an operator's buttons), their
    # latest wording as asked (a name keeps its capital: "NATO" is a name, "nato" a word), a
    # count of the times an answer to them was voted down, a topic the asker then chose, and a
    # status: open, rightly refused (the document does not say), or taught. Taught phrasings
    # are an overlay on the YAML; votes keep no user id, only a salted hash of the voter and
    # the message, cleared after a day, which makes one press per user per message.
    (
        """
        CREATE TABLE unanswered_v5 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            normalised TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            count INTEGER NOT NULL,
            wrong INTEGER NOT NULL DEFAULT 0,
            suggested TEXT,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'refused', 'taught'))
        )
        """,
        """
        INSERT INTO unanswered_v5 (normalised, text, count, first_seen, last_seen)
        SELECT normalised, normalised, count, first_seen, last_seen FROM unanswered
        ORDER BY first_seen, normalised
        """,
        "DROP TABLE unanswered",
        "ALTER TABLE unanswered_v5 RENAME TO unanswered",
        "CREATE INDEX unanswered_by_status ON unanswered (status, count)",
        """
        CREATE TABLE taught (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            fact_id TEXT NOT NULL,
            language TEXT NOT NULL,
            question TEXT NOT NULL,
            normalised TEXT NOT NULL UNIQUE,
            taught_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE votes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            fact_id TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            language TEXT NOT NULL,
            day TEXT NOT NULL,
            voter TEXT UNIQUE,
            voter_expires REAL
        )
        """,
        "CREATE INDEX votes_by_fact ON votes (fact_id, vote)",
    ),
    # 6: an unanswered question may be answered since (taught another way, or by a reloaded
    # knowledge base): put aside until it is missed again. (SQLite changes a CHECK only by
    # copying the table; its ids are kept.)
    (
        """
        CREATE TABLE unanswered_v6 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            normalised TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            count INTEGER NOT NULL,
            wrong INTEGER NOT NULL DEFAULT 0,
            suggested TEXT,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'refused', 'taught', 'answered'))
        )
        """,
        """
        INSERT INTO unanswered_v6
            (id, normalised, text, count, wrong, suggested, first_seen, last_seen, status)
        SELECT id, normalised, text, count, wrong, suggested, first_seen, last_seen, status
        FROM unanswered
        """,
        "DROP TABLE unanswered",
        "ALTER TABLE unanswered_v6 RENAME TO unanswered",
        "CREATE INDEX unanswered_by_status ON unanswered (status, count)",
    ),
    # 7: the update ids already taken by a process, so that of replicas sharing the store
    # (Telegram redelivering an update another replica took) only one handles each; kept a day.
    (
        """
        CREATE TABLE seen_updates (
            update_id INTEGER PRIMARY KEY,
            seen_at REAL NOT NULL
        )
        """,
        "CREATE INDEX seen_updates_by_time ON seen_updates (seen_at)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
