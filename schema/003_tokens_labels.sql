-- 003: REST API tokens and case labels on messages. Prose spec: schema/README.md.

-- API tokens: only the SHA-256 of the secret is stored; the secret is shown once. A token
-- is never deleted or changed except for revocation and its last-use time, so the audit
-- trail's token ids always resolve.
CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY CHECK (length(id) = 16),
  secret_hash  BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
  name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role         TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'auditor')),
  created_us   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  expires_us   INTEGER,  -- NULL: does not expire
  revoked_us   INTEGER,  -- NULL: not revoked
  last_used_us INTEGER   -- NULL: never used; updated at most once a minute
) STRICT;
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens
  BEGIN SELECT RAISE(ABORT, 'tokens are revoked, never deleted'); END;
CREATE TRIGGER api_tokens_identity_fixed
  BEFORE UPDATE OF id, secret_hash, name, role, created_us, created_by, expires_us ON api_tokens
  BEGIN SELECT RAISE(ABORT, 'a token is only ever revoked or marked used'); END;
CREATE TRIGGER api_tokens_revoked_once BEFORE UPDATE OF revoked_us ON api_tokens
  WHEN OLD.revoked_us IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'a revoked token stays revoked'); END;

-- Case labels officers put on messages. Labels change (PUT/DELETE); every change is a
-- message.label audit event committed in the same transaction, so the trail, not this
-- table, is the history.
CREATE TABLE message_labels (
  message_seq INTEGER NOT NULL REFERENCES messages(seq),
  label       TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 64),
  added_us    INTEGER NOT NULL,
  added_by    TEXT NOT NULL,
  PRIMARY KEY (message_seq, label)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_labels_by_label ON message_labels(label, message_seq);
