-- 008: the metadata index `messages` becomes a rowid table keyed by seq.
-- Prose spec: schema/README.md.
--
-- WITHOUT ROWID, keyed by record_id, every interior page of `messages` held whole rows
-- (an index b-tree's keys are its records, about 450 bytes here): some 8 per page, so at
-- 1,000,000 messages a lookup walked 7 levels, most of them outside any cache, and a
-- search page of 50 read some 250 pages. Keyed by seq (the rowid), an interior page holds
-- hundreds of keys: 3 levels, and a page of 50 reads about 60. Appends at the end use
-- SQLite's quick balance. record_id stays unique (its own index, as seq's was) and
-- every column keeps its place, type and constraint.
--
-- The runner applies migrations with foreign key enforcement off and checks every
-- reference before it commits (SQLite's procedure for changing a table's shape), since
-- message_addresses and message_labels refer to this table while it is rebuilt.
DROP TRIGGER messages_append_only_u;
DROP TRIGGER messages_append_only_d;
CREATE TABLE messages_by_seq (
  record_id      BLOB NOT NULL UNIQUE CHECK (length(record_id) = 16),
  seq            INTEGER PRIMARY KEY NOT NULL,
  received_us    INTEGER NOT NULL,
  source         INTEGER NOT NULL,
  mail_from      TEXT NOT NULL COLLATE NOCASE,
  client_address TEXT NOT NULL,
  tls_protocol   TEXT NOT NULL,
  raw_sha256     BLOB NOT NULL REFERENCES blobs(sha256),
  raw_length     INTEGER NOT NULL,
  flags          INTEGER NOT NULL,
  message_id     TEXT NOT NULL,
  date_header    TEXT NOT NULL,
  date_us        INTEGER,
  from_header    TEXT NOT NULL,
  sender_header  TEXT NOT NULL,
  to_header      TEXT NOT NULL,
  cc_header      TEXT NOT NULL,
  subject        TEXT NOT NULL
) STRICT;
INSERT INTO messages_by_seq(record_id, seq, received_us, source, mail_from, client_address, tls_protocol,
                            raw_sha256, raw_length, flags, message_id, date_header, date_us, from_header,
                            sender_header, to_header, cc_header, subject)
  SELECT record_id, seq, received_us, source, mail_from, client_address, tls_protocol, raw_sha256, raw_length,
         flags, message_id, date_header, date_us, from_header, sender_header, to_header, cc_header, subject
  FROM messages ORDER BY seq;
DROP TABLE messages;
ALTER TABLE messages_by_seq RENAME TO messages;

CREATE INDEX messages_by_message_id ON messages(message_id);
CREATE INDEX messages_by_received_seq ON messages(received_us, seq);
CREATE INDEX messages_by_mail_from_received ON messages(mail_from, received_us, seq);
CREATE INDEX messages_by_date ON messages(date_us);
CREATE INDEX messages_by_size ON messages(raw_length);

CREATE TRIGGER messages_append_only_u BEFORE UPDATE ON messages
  BEGIN SELECT RAISE(ABORT, 'message metadata is append-only'); END;
CREATE TRIGGER messages_append_only_d BEFORE DELETE ON messages
  BEGIN SELECT RAISE(ABORT, 'message metadata is deleted only by a purge'); END;
