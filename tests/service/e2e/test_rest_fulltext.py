"""Reading mail as an officer does, over real SMTP and HTTP against the real chainmaild:
messages built with Python's email package (base64, quoted-printable ISO-8859-1, HTML
only, ISO-2022-JP, an attachment with an RFC 2231 name, an Exchange journal report) are
found by full-text search (`q=`) once the background indexer has caught up, never by
words that exist only inside HTML tags or base64 text; the part tree and each part's
decoded content are served (audited); an auditor cannot search text."""

import base64
import email.policy
import json
import smtplib
import time
import unittest
import urllib.parse
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.header import Header

from harness import UUID_RE, Daemon

RCPT = "journal@archive.test"
INDEX_WAIT_S = 60


def as_bytes(msg):
    return msg.as_bytes(policy=email.policy.SMTP)


class RestFulltext(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()
        try:
            cls.officer = cls.daemon.token("officer")
            cls.auditor = cls.daemon.token("auditor")
            cls.ids = {}
            cls.attachment = b"%PDF-1.4\n" + bytes(range(256)) * 8
            for name, (msg, mail_from) in cls.corpus().items():
                cls.ids[name] = cls.send(as_bytes(msg), mail_from)
            cls.wait_indexed()
        except BaseException:
            cls.daemon.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    @classmethod
    def corpus(cls):
        out = {}
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "ann@example.test", "bob@example.test", "base64 body"
        m.set_content("The zeppelinstrasse meeting is moved.\n", cte="base64")
        out["base64"] = (m, "ann@example.test")

        m = MIMEText("Der Fußballverein trifft sich im Café.\n", "plain", "iso-8859-1")  # quoted-printable
        m["From"], m["To"], m["Subject"] = "carl@example.test", "dora@example.test", "latin1 qp"
        out["qp_latin1"] = (m, "carl@example.test")

        m = MIMEText('<html><head><style>.hiddenstyleword{}</style><script>var scriptword=1;</script></head>'
                     '<body><p class="attributeword">Visible <b>quokka</b> &amp; friends&nbsp;here</p></body></html>',
                     "html", "utf-8")
        m["From"], m["To"], m["Subject"] = "erin@example.test", "fred@example.test", "html only"
        out["html_only"] = (m, "erin@example.test")

        text = "来週の会議について、資料を送ります。"
        m = MIMEText(text.encode("iso-2022-jp").decode("ascii"), "plain", "iso-2022-jp")
        m.replace_header("Content-Transfer-Encoding", "7bit")
        m["From"], m["To"] = "gen@example.test", "hana@example.test"
        m["Subject"] = Header("会議の議事録", "iso-2022-jp").encode()
        out["iso2022jp"] = (m, "gen@example.test")

        m = MIMEMultipart()
        m["From"], m["To"], m["Subject"] = "ivan@example.test", "judy@example.test", "with attachment"
        m.attach(MIMEText("See the attached figures.\n"))
        part = MIMEApplication(cls.attachment, "pdf")
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "Quarterlyreport Übersicht 2026.pdf"))
        m.attach(part)
        out["attachment"] = (m, "ivan@example.test")

        inner = EmailMessage()
        inner["From"], inner["To"], inner["Subject"] = "kim@corp.test", "lee@partner.test", "journaled original"
        inner.set_content("The platypusmerger closes Friday.\n")
        report = MIMEMultipart()
        report["From"], report["To"], report["Subject"] = "MicrosoftExchange@corp.test", RCPT, "journaled original"
        report["X-MS-Journal-Report"] = ""
        report.attach(MIMEText("Sender: kim@corp.test\r\nSubject: journaled original\r\nMessage-Id: <j1@corp.test>\r\n"
                               "To: lee@partner.test\r\nCc: team@corp.test, Expanded: all@corp.test\r\n"
                               "Bcc: secret@corp.test\r\n"))
        from email.mime.message import MIMEMessage
        report.attach(MIMEMessage(inner))
        out["journal"] = (report, "MicrosoftExchange@corp.test")
        return out

    @classmethod
    def send(cls, message, mail_from):
        with smtplib.SMTP("127.0.0.1", cls.daemon.port, timeout=60) as s:
            s.ehlo("client.test")
            s.mail(mail_from, ["BODY=8BITMIME"])
            s.rcpt(RCPT)
            code, reply = s.data(message)
            if code != 250:
                raise AssertionError(f"DATA answered {code} {reply!r}")
            return UUID_RE.search(reply.decode()).group(0)

    @classmethod
    def search(cls, token=None, **query):
        status, headers, body = cls.daemon.rest("GET", "/api/v1/messages?" + urllib.parse.urlencode(query),
                                                token=token or cls.officer)
        return status, json.loads(body)

    @classmethod
    def wait_indexed(cls):
        deadline = time.time() + INDEX_WAIT_S
        while True:
            status, page = cls.search(q="zeppelinstrasse")
            if status == 200 and page["index"]["lag_messages"] == 0 and page["messages"]:
                return
            if time.time() > deadline:
                raise AssertionError(f"the full-text index did not catch up: {status} {page}")
            time.sleep(0.2)

    def found(self, q, **query):
        status, page = self.search(q=q, **query)
        self.assertEqual(status, 200, page)
        return [m["id"] for m in page["messages"]]

    # --- search --------------------------------------------------------------------------

    def test_finds_words_in_every_encoding(self):
        self.assertEqual(self.found("zeppelinstrasse"), [self.ids["base64"]])
        self.assertEqual(self.found("Fußballverein"), [self.ids["qp_latin1"]])
        self.assertEqual(self.found("cafe"), [self.ids["qp_latin1"]], "diacritics are folded")
        self.assertEqual(self.found("quokka"), [self.ids["html_only"]])
        self.assertEqual(self.found("会議"), [self.ids["iso2022jp"]], "a CJK word inside a sentence")
        self.assertEqual(self.found("議事録"), [self.ids["iso2022jp"]], "from the encoded-word subject")
        self.assertEqual(self.found("quarterlyreport"), [self.ids["attachment"]], "an attachment name")
        self.assertEqual(self.found("platypusmerger"), [self.ids["journal"]], "the journaled original's text")

    def test_never_matches_inside_tags_scripts_or_base64(self):
        for word in ["attributeword", "scriptword", "hiddenstyleword", "class"]:
            self.assertEqual(self.found(word), [], word)
        encoded = base64.b64encode(b"The zeppelinstrasse meeting").decode()[:12]
        self.assertEqual(self.found(encoded), [], "base64 text itself is not indexed")
        pdf_b64 = base64.b64encode(self.attachment).decode()[:16]
        self.assertEqual(self.found(pdf_b64), [])

    def test_query_language_and_filters(self):
        self.assertEqual(self.found('"meeting is moved"'), [self.ids["base64"]])
        self.assertEqual(self.found('"moved meeting"'), [])
        self.assertEqual(self.found("zeppelin*"), [self.ids["base64"]])
        self.assertEqual(sorted(self.found("quokka OR zeppelinstrasse")),
                         sorted([self.ids["html_only"], self.ids["base64"]]))
        self.assertEqual(self.found("quokka AND zeppelinstrasse"), [])
        self.assertEqual(self.found("quokka NOT friends"), [])
        self.assertEqual(self.found("quokka", mail_from="erin@example.test"), [self.ids["html_only"]])
        self.assertEqual(self.found("quokka", mail_from="ann@example.test"), [])
        status, page = self.search(q="quokka")
        snippet = page["messages"][0]["snippet"]
        text = snippet["text"].encode()
        self.assertEqual([text[o:o + n].decode().lower() for o, n in snippet["highlights"]], ["quokka"])
        status, page = self.search(q="quokka OR zeppelinstrasse", order="relevance")
        self.assertEqual(status, 200, page)
        self.assertEqual(len(page["messages"]), 2)
        for order in ["relevance", "newest", "oldest"]:  # paging one by one gives both, once each
            status, first = self.search(q="quokka OR zeppelinstrasse", order=order, limit=1)
            status, second = self.search(q="quokka OR zeppelinstrasse", order=order, limit=1, cursor=first["next_cursor"])
            self.assertEqual(status, 200, second)
            self.assertEqual(sorted(m["id"] for m in first["messages"] + second["messages"]),
                             sorted([self.ids["html_only"], self.ids["base64"]]), order)
        status, problem = self.search(q="quokka", order="relevance", mail_from="x@y.test", cursor=first["next_cursor"])
        self.assertEqual((status, problem["parameter"]), (400, "cursor"))
        status, problem = self.search(order="relevance")
        self.assertEqual((status, problem["parameter"]), (400, "order"))

    def test_recipients_of_record_are_searchable(self):
        status, page = self.search(rcpt_to="secret@corp.test")
        self.assertEqual(status, 200, page)
        self.assertEqual([m["id"] for m in page["messages"]], [self.ids["journal"]])
        self.assertEqual(self.found("platypusmerger", rcpt_to="team@corp.test"), [self.ids["journal"]])

    def test_bad_queries_are_named_400s_and_auditors_get_403(self):
        for q in ['"unbalanced', "(open", "", "NEAR(a b)" * 200]:
            status, problem = self.search(q=q)
            self.assertEqual(status, 400, (q, problem))
            self.assertEqual(problem["parameter"], "q")
        for q in ["a'b", 'col:"x"', "x^y", "*", "a -- b"]:
            status, page = self.search(q=q)
            self.assertIn(status, (200, 400), (q, page))
        status, problem = self.search(token=self.auditor, q="quokka")
        self.assertEqual(status, 403, problem)
        self.assertEqual(problem["parameter"], "q")
        status, _ = self.search(q="quokka")
        self.assertEqual(status, 200)

    def test_search_is_audited_with_its_query(self):
        self.found("audittrailword")
        status, _, body = self.daemon.rest("GET", "/api/v1/audit/events?type=message.search&order=newest&limit=5",
                                           token=self.auditor)
        self.assertEqual(status, 200, body)
        details = [json.dumps(e["detail"]) for e in json.loads(body)["events"]]
        self.assertTrue(any("audittrailword" in d for d in details), details)

    # --- parts ---------------------------------------------------------------------------

    def test_part_tree_and_decoded_parts(self):
        rid = self.ids["attachment"]
        status, headers, body = self.daemon.rest("GET", f"/api/v1/messages/{rid}/parts", token=self.officer)
        self.assertEqual(status, 200, body)
        tree = json.loads(body)
        types = [p["content_type"] for p in tree["parts"]]
        self.assertEqual(types, ["multipart/mixed", "text/plain", "application/pdf"])
        pdf = tree["parts"][2]
        self.assertEqual(pdf["filename"], "Quarterlyreport Übersicht 2026.pdf")
        self.assertTrue(pdf["attachment"])
        self.assertEqual(pdf["size"], len(self.attachment))
        self.assertIn("See the attached figures.", tree["text"])

        status, headers, body = self.daemon.rest("GET", f"/api/v1/messages/{rid}/parts/2", token=self.officer)
        self.assertEqual(status, 200)
        self.assertEqual(body, self.attachment)
        self.assertEqual(headers["content-type"], "application/pdf")
        self.assertTrue(headers["content-disposition"].startswith("attachment;"), headers)
        self.assertEqual(headers["x-content-type-options"], "nosniff")

        status, headers, body = self.daemon.rest("GET", f"/api/v1/messages/{self.ids['html_only']}/parts/0?as=text",
                                                 token=self.officer)
        self.assertEqual(status, 200, body)
        self.assertIn("quokka", body.decode())
        self.assertNotIn("scriptword", body.decode())
        self.assertTrue(headers["content-type"].startswith("text/plain"))

        status, headers, body = self.daemon.rest("GET", f"/api/v1/messages/{rid}/parts/0", token=self.officer)
        self.assertEqual(status, 409, body)
        for n in ["3", "99999", "-1", "x", "1e3"]:
            status, headers, body = self.daemon.rest("GET", f"/api/v1/messages/{rid}/parts/{n}", token=self.officer)
            self.assertIn(status, (400, 404), n)
        status, _, _ = self.daemon.rest("GET", f"/api/v1/messages/{rid}/parts", token=self.auditor)
        self.assertEqual(status, 403)

    def test_journal_report_shows_the_original_and_its_recipients(self):
        rid = self.ids["journal"]
        status, headers, body = self.daemon.rest("GET", f"/api/v1/messages/{rid}/parts", token=self.officer)
        self.assertEqual(status, 200, body)
        tree = json.loads(body)
        self.assertTrue(tree["journal_report"])
        self.assertEqual(tree["subject"], "journaled original")
        addresses = {r["address"]: r for r in tree["recipients_of_record"]}
        for a in ["lee@partner.test", "team@corp.test", "secret@corp.test"]:
            self.assertIn(a, addresses)
        self.assertEqual(addresses["team@corp.test"].get("expanded_from"), "all@corp.test")

    def test_part_reads_are_audited(self):
        rid = self.ids["base64"]
        status, _, _ = self.daemon.rest("GET", f"/api/v1/messages/{rid}/parts/0", token=self.officer)
        self.assertEqual(status, 200)
        status, _, body = self.daemon.rest(
            "GET", "/api/v1/audit/events?" + urllib.parse.urlencode({"type": "message.read", "order": "newest",
                                                                      "limit": 5}), token=self.auditor)
        self.assertEqual(status, 200, body)
        details = [e["detail"] for e in json.loads(body)["events"]]
        self.assertTrue(any(d.get("id") == rid and d.get("part") == 0 for d in details), details)

    def test_metrics_and_health_report_index_lag(self):
        status, _, body = self.daemon.rest("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("chainmail_fulltext_lag_messages", body.decode())
        status, _, body = self.daemon.rest("GET", "/healthz")
        check = json.loads(body)["checks"]["fulltext"]
        self.assertEqual(check["lag_messages"], 0, check)
        self.assertEqual(check["documents"], len(self.ids), check)


if __name__ == "__main__":
    unittest.main()
