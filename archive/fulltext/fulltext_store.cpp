#include "archive/fulltext/fulltext_store.h"

#include "archive/fulltext/cjk_tokenizer.h"
#include "archive/fulltext/fulltext_schema.h"
#include "archive/migrations.h"

namespace chainmail {

Result<std::unique_ptr<FulltextStore>> FulltextStore::Open(const std::string& data_dir) {
  auto db = Database::Open(FulltextPath(data_dir), Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  // Before the migration: CREATE VIRTUAL TABLE needs the tokenizer it names.
  if (Status s = RegisterFulltextTokenizer((*db)->handle()); !s.ok()) return s;
  if (Status s = (*db)->Exec("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY");
      !s.ok())
    return s;
  std::vector<Migration> migrations;
  int version = 0;
  for (const char* sql : FulltextMigrations()) {
    ++version;
    migrations.push_back({version, "fulltext", sql});
  }
  // Up to date: no write transaction at all, so a busy index file does not delay a start.
  auto current = (*db)->QueryInt("PRAGMA user_version");
  if (!current.ok()) return current.status();
  if (*current != version)
    if (Status s = ApplyMigrations(**db, migrations); !s.ok()) return s;
  return std::unique_ptr<FulltextStore>(new FulltextStore(std::move(*db)));
}

Result<FulltextState> FulltextStore::ReadState() {
  Statement st = db_->Prepare("SELECT key, value FROM fulltext_state");
  FulltextState state;
  while (st.Step()) {
    const std::string_view key = st.Text(0);
    if (key == "indexed_through_seq") state.indexed_through_seq = st.Int(1);
    if (key == "documents") state.documents = static_cast<uint64_t>(st.Int(1));
    if (key == "archive_origin") state.archive_origin = st.Text(1);
  }
  if (!st.status().ok()) return st.status();
  return state;
}

Status FulltextStore::SetState(const char* key, int64_t value) {
  Statement st = db_->Prepare("UPDATE fulltext_state SET value = ? WHERE key = ?");
  return st.Bind(1, value).Bind(2, std::string_view(key)).Run();
}

Status FulltextStore::Write(const std::vector<FulltextDocument>& docs, int64_t through,
                            const std::function<bool()>& cancelled) {
  Transaction tx(*db_, Transaction::Kind::kImmediate);
  if (!tx.status().ok()) return tx.status();
  for (const FulltextDocument& d : docs) {
    if (cancelled && cancelled()) return Status::Unavailable("full-text batch abandoned: the indexer is stopping");
    const auto seq = static_cast<int64_t>(d.seq);
    Statement content = db_->Prepare(
        "INSERT INTO fulltext_docs(seq, record_id, subject, body, attachments, addresses) VALUES (?,?,?,?,?,?)");
    Status s = content.Bind(1, seq).BindBlob(2, d.record_id.AsBytes()).Bind(3, d.subject).Bind(4, d.body)
                   .Bind(5, d.attachments).Bind(6, d.addresses).Run();
    if (!s.ok()) return s;
    Statement index = db_->Prepare(
        "INSERT INTO fulltext_index(rowid, subject, body, attachments, addresses) VALUES (?,?,?,?,?)");
    s = index.Bind(1, seq).Bind(2, d.subject).Bind(3, d.body).Bind(4, d.attachments).Bind(5, d.addresses).Run();
    if (!s.ok()) return s;
    int64_t position = 0;
    for (const RecordRecipient& r : d.record_recipients) {
      Statement rcpt = db_->Prepare(
          "INSERT INTO record_recipients(seq, position, record_id, address, source, expanded_from) "
          "VALUES (?,?,?,?,?,?)");
      s = rcpt.Bind(1, seq).Bind(2, position++).BindBlob(3, d.record_id.AsBytes()).Bind(4, r.address)
              .Bind(5, r.source).Bind(6, r.expanded_from).Run();
      if (!s.ok()) return s;
    }
  }
  Statement count = db_->Prepare("UPDATE fulltext_state SET value = value + ? WHERE key = 'documents'");
  if (Status s = count.Bind(1, static_cast<int64_t>(docs.size())).Run(); !s.ok()) return s;
  if (Status s = SetState("indexed_through_seq", through); !s.ok()) return s;
  return tx.Commit();
}

Status FulltextStore::Remove(uint64_t seq) {
  Transaction tx(*db_, Transaction::Kind::kImmediate);
  if (!tx.status().ok()) return tx.status();
  {
    // External content: FTS5 removes a row's tokens only when told the values it indexed.
    Statement old = db_->Prepare("SELECT subject, body, attachments, addresses FROM fulltext_docs WHERE seq = ?");
    old.Bind(1, static_cast<int64_t>(seq));
    if (!old.Step()) {
      if (!old.status().ok()) return old.status();
      return Status::NotFound("message " + std::to_string(seq) + " is not in the full-text index");
    }
    Statement del = db_->Prepare(
        "INSERT INTO fulltext_index(fulltext_index, rowid, subject, body, attachments, addresses) "
        "VALUES ('delete', ?, ?, ?, ?, ?)");
    Status s = del.Bind(1, static_cast<int64_t>(seq)).Bind(2, old.Text(0)).Bind(3, old.Text(1)).Bind(4, old.Text(2))
                   .Bind(5, old.Text(3)).Run();
    if (!s.ok()) return s;
  }
  for (const char* sql : {"DELETE FROM fulltext_docs WHERE seq = ?", "DELETE FROM record_recipients WHERE seq = ?"}) {
    Statement st = db_->Prepare(sql);
    if (Status s = st.Bind(1, static_cast<int64_t>(seq)).Run(); !s.ok()) return s;
  }
  if (Status s = db_->Exec("UPDATE fulltext_state SET value = value - 1 WHERE key = 'documents'"); !s.ok()) return s;
  return tx.Commit();
}

Status FulltextStore::Rebuild() { return db_->Exec("INSERT INTO fulltext_index(fulltext_index) VALUES ('rebuild')"); }

Status FulltextStore::Reset(const std::string& archive_origin) {
  Transaction tx(*db_, Transaction::Kind::kImmediate);
  if (!tx.status().ok()) return tx.status();
  if (Status s = db_->Exec("INSERT INTO fulltext_index(fulltext_index) VALUES ('delete-all'); "
                           "DELETE FROM fulltext_docs; DELETE FROM record_recipients;");
      !s.ok())
    return s;
  if (Status s = SetState("indexed_through_seq", -1); !s.ok()) return s;
  if (Status s = SetState("documents", 0); !s.ok()) return s;
  Statement origin = db_->Prepare("UPDATE fulltext_state SET value = ? WHERE key = 'archive_origin'");
  if (Status s = origin.Bind(1, archive_origin).Run(); !s.ok()) return s;
  return tx.Commit();
}

Status FulltextStore::Check() {
  Status s = db_->Exec("INSERT INTO fulltext_index(fulltext_index) VALUES ('integrity-check')");
  return s.ok() ? s : Status::Corruption("the full-text index disagrees with its content: " + s.message());
}

}  // namespace chainmail
