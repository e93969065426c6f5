"""The audit trail as an operator sees it: the daemon's start and stop, each message's
policy decision, and CLI reads of archived mail — recorded before content is shown, and
no content when the read cannot be recorded."""

import getpass
import os
import smtplib
import socket
import sqlite3
import subprocess
import unittest

from harness import Daemon, archived_id, db_connect, make_message, record_uuid

SERVICE_START, SERVICE_STOP, POLICY_DECISION, MESSAGE_READ = 0x40, 0x41, 0x01, 0x11


def send(daemon, message):
    with smtplib.SMTP("127.0.0.1", daemon.port, timeout=30) as s:
        s.ehlo("client.test")
        s.mail("<sender@example.test>")
        s.rcpt("<journal@archive.test>")
        code, reply = s.data(message)
        assert code == 250, reply
        return archived_id(f"{code} {reply.decode()}")


def events(daemon):
    with db_connect(daemon.db_path, readonly=True) as db:
        return db.execute("SELECT type, actor, outcome FROM audit_events ORDER BY seq").fetchall()


class AuditTrail(unittest.TestCase):
    def test_start_decisions_and_stop_are_in_the_audit_log(self):
        with Daemon() as d:
            send(d, make_message(subject="one"))
            send(d, make_message(subject="two"))
            self.assertEqual(d.stop(), 0)
            types = [t for t, _, _ in events(d)]
        self.assertEqual(types, [SERVICE_START, POLICY_DECISION, POLICY_DECISION, SERVICE_STOP])

    def test_a_start_that_fails_on_a_busy_port_records_its_stop(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            d = Daemon({"smtp.listen": "127.0.0.1:%d" % busy.getsockname()[1]}, start=False)
            try:
                p = subprocess.run(d.args(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, timeout=60)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("cannot start SMTP", p.stderr.decode())
                types = [t for t, _, _ in events(d)]
                self.assertEqual(types, [SERVICE_START, SERVICE_STOP])
            finally:
                d.close()

    def test_show_records_a_read_by_the_local_user_naming_the_message(self):
        with Daemon() as d:
            record = send(d, make_message(subject="read me"))
            d.show_raw(record)
            with db_connect(d.db_path, readonly=True) as db:
                rows = db.execute(
                    "SELECT e.actor, t.log, t.seq, m.record_id FROM audit_events e "
                    "JOIN audit_event_targets t ON t.record_id = e.record_id "
                    "JOIN messages m ON m.seq = t.seq AND t.log = 1 WHERE e.type = ?",
                    (MESSAGE_READ,)).fetchall()
            self.assertEqual(len(rows), 1)
            actor, log, seq, message = rows[0]
            self.assertEqual(actor, getpass.getuser())
            self.assertEqual(record_uuid(message), record)
            self.assertEqual(d.verify().returncode, 0)

    def test_no_content_when_the_read_cannot_be_recorded(self):
        with Daemon() as d:
            record = send(d, make_message(subject="locked out", body=b"SECRET-BODY\r\n"))
            d.stop()
            # Another process holds the write lock past the CLI's busy timeout (10 s).
            lock = sqlite3.connect(d.db_path, timeout=1, isolation_level=None)
            lock.execute("BEGIN EXCLUSIVE")
            try:
                out = subprocess.run(
                    [os.path.join(os.environ["CHAINMAIL_BIN"], "chainmail"), "--data", d.data_dir,
                     "show", record, "--raw"], capture_output=True, timeout=120)
            finally:
                lock.execute("ROLLBACK")
                lock.close()
            self.assertNotEqual(out.returncode, 0)
            self.assertNotIn(b"SECRET-BODY", out.stdout)
            self.assertEqual(out.stdout, b"")
            self.assertIn(b"audit", out.stderr)


if __name__ == "__main__":
    unittest.main()
