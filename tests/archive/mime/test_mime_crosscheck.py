"""Cross-check of chainmail's MIME reader against Python's email package.

For every message in corpus/, chainmail-mime-dump (ExtractMime as JSON) and Python's
email package (policy=email.policy.default) must agree on the subject, the addresses
(From, Sender, To, Cc), the attachment names and the decoded text, after whitespace is
normalised. The reading rules Python has no opinion on (which parts make the text, what
counts as an attachment, where a journal report's original is) are applied to Python's
part tree the way docs/mime.md states them, so what is compared is the decoding: MIME
structure, transfer encodings, charsets, RFC 2047/2231 and HTML reduced to text.

Where the two deliberately differ, DIFFERENCES says why and pins chainmail's value, so a
listed difference is still checked. Run: CHAINMAIL_BIN=<build>/bin python3 -m unittest -v
test_mime_crosscheck (from this directory; ctest does it as mime_crosscheck).
"""
import email
import email.policy
import html.parser
import json
import os
import re
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
FIELDS = ("subject", "addresses", "attachment_names", "text")

# (file, field) -> (why chainmail differs from Python, chainmail's value after normalise()).
DIFFERENCES = {
    ("wrong_boundary.eml", "text"): (
        "the declared boundary never occurs: chainmail takes the boundary the body uses "
        "(flag boundary_guessed); Python finds no parts (StartBoundaryNotFoundDefect) and no body",
        "The text behind a wrong boundary."),
    ("wrong_boundary.eml", "attachment_names"): (
        "as above: chainmail lists the parts behind the guessed boundary", ["wrong.pdf"]),
    ("multipart_without_boundary_parameter.eml", "text"): (
        "multipart without a boundary: chainmail reads the body as text/plain (flag no_boundary); "
        "Python keeps a multipart with a string payload and no body",
        "Just some text in a body that claims to be multipart."),
    ("unknown_charset.eml", "text"): (
        "unknown charset: Python's get_content() raises LookupError; chainmail reads the bytes as "
        "UTF-8, else Windows-1252 (flag unknown_charset)",
        "Plain words and one caf\u00e9."),
    ("lying_charset_ascii_is_utf8.eml", "text"): (
        "8-bit bytes under us-ascii: Python replaces each with U+FFFD; chainmail keeps valid UTF-8 "
        "(flag bad_charset)",
        "Meet at the caf\u00e9 in Malm\u00f6."),
    ("no_content_type_8bit_utf8.eml", "text"): (
        "no charset means us-ascii: Python replaces 8-bit bytes with U+FFFD; chainmail keeps valid "
        "UTF-8 (flag bad_charset)",
        "Na\u00efve UTF-8 body without any MIME header: \u00bd price."),
    ("lying_charset_utf8_is_latin1.eml", "text"): (
        "invalid UTF-8 under utf-8: Python gives U+FFFD; chainmail reads the part as Windows-1252 "
        "(flag bad_charset)",
        "D\u00e9j\u00e0 vu at the caf\u00e9."),
    ("lying_charset_sjis_is_utf8.eml", "text"): (
        "UTF-8 labelled Shift_JIS: Python decodes it as Shift_JIS (mojibake); chainmail sees "
        "mostly invalid Shift_JIS that is valid UTF-8 and reads UTF-8 (flag bad_charset)",
        "\u3042\u308a\u304c\u3068\u3046\u3054\u3056\u3044\u307e\u3059\u3002Thank you."),
    ("gb2312_label_gbk_bytes.eml", "text"): (
        "senders label GBK text gb2312; Python's strict gb2312 codec gives U+FFFD for the GBK-only "
        "characters, chainmail reads gb2312 as GB18030",
        "\u9555\u57fa\u603b\u7406\u8bbf\u95ee\u4e86\u5586\u57ce\u3002"),
    ("malformed_content_type_params.eml", "attachment_names"): (
        "an unquoted parameter value with spaces: chainmail keeps it to the next ';', Python "
        "stops at the first space",
        ["unquoted name with spaces.bin"]),
    ("malformed_content_type_params.eml", "text"): (
        "charset=\"utf-8; format=flowed (quote never closed): Python's get_content() raises "
        "LookupError for that charset name; chainmail reads the unknown charset as UTF-8",
        "Unterminated quote in the charset parameter. Content type without a slash."),
}


def normalise(value):
    """Whitespace runs (incl. NBSP) become one space, ends trimmed, NULs dropped; lone
    surrogates (Python's stand-in for undecodable header bytes) become U+FFFD."""
    if isinstance(value, list):
        return [normalise(v) for v in value]
    value = re.sub(r"[\ud800-\udfff]", "\ufffd", value.replace("\x00", ""))
    return re.sub(r"\s+", " ", value).strip()


def sanitise_filename(name):
    """SanitiseFilename (part_headers.h): last path component, no control characters."""
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f-\x9f]", "", name).strip(" ")
    return "" if name in (".", "..") else name


class HtmlText(html.parser.HTMLParser):
    """HTML to text as html_text.h states it: tags and all attribute values dropped,
    script/style/template/iframe/noembed/noframes dropped with their content, block
    elements and cells as line breaks."""
    DROP = {"script", "style", "template", "iframe", "noembed", "noframes"}
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
             "blockquote", "hr", "pre", "title", "td", "th", "ul", "ol"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.dropping = [], None

    def handle_starttag(self, tag, attrs):
        if self.dropping:
            return
        if tag in self.DROP:
            self.dropping = tag
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag == self.dropping:
            self.dropping = None
        elif not self.dropping and tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(data)


def html_to_text(markup):
    parser = HtmlText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)


class PythonReading:
    """The fields chainmail extracts, read from Python's part tree with chainmail's rules."""

    def __init__(self, raw):
        message = email.message_from_bytes(raw, policy=email.policy.default)
        shown = message
        if message.get("X-MS-Journal-Report") is not None:
            for part in message.walk():
                if part.get_content_type() == "message/rfc822":
                    shown = part.get_payload()[0]
                    break
        self.subject = str(shown.get("subject", ""))
        self.addresses = []
        for name in ("from", "sender", "to", "cc"):
            for header in shown.get_all(name, []):
                self.addresses += [a.addr_spec for a in header.addresses]
        self.attachment_names = []
        for part in shown.walk():
            if self.is_attachment(part):
                name = sanitise_filename(part.get_filename() or "")
                if name:
                    self.attachment_names.append(name)
        self.text_error = None
        pieces = []
        for part in self.text_parts(shown)[1]:
            try:
                content = part.get_content()
            except LookupError as error:
                self.text_error = "LookupError: %s" % error
                continue
            pieces.append(html_to_text(content) if part.get_content_type() == "text/html" else content)
        self.text = "\n\n".join(pieces)

    @staticmethod
    def is_attachment(part):
        if part.is_multipart():
            return bool(part.get_filename()) or part.get_content_disposition() == "attachment"
        return (part.get_content_disposition() == "attachment" or bool(part.get_filename())
                or part.get_content_maintype() != "text")

    def text_parts(self, part):
        """(rank, parts): rank 0 leads to text/plain, 1 to text/html, 2 to neither."""
        if not part.is_multipart():
            if self.is_attachment(part):
                return 2, []
            return {"text/plain": (0, [part]), "text/html": (1, [part])}.get(
                part.get_content_type(), (2, []))
        children = [self.text_parts(child) for child in part.get_payload()]
        if part.get_content_type() == "multipart/alternative":
            best = min(children, key=lambda c: c[0], default=(2, []))
            return best if best[0] < 2 else (2, [])
        return min([c[0] for c in children], default=2), [p for c in children for p in c[1]]


def dump(path):
    binary = os.path.join(os.environ["CHAINMAIL_BIN"], "chainmail-mime-dump")
    out = subprocess.run([binary, path], check=True, capture_output=True, timeout=60)
    return json.loads(out.stdout)


class MimeCrossCheck(unittest.TestCase):
    def test_corpus_agrees_with_python_email(self):
        files = sorted(f for f in os.listdir(CORPUS) if f.endswith(".eml"))
        self.assertGreaterEqual(len(files), 30)
        used = set()
        for name in files:
            path = os.path.join(CORPUS, name)
            with open(path, "rb") as f:
                python = PythonReading(f.read())
            ours = dump(path)
            for field in FIELDS:
                with self.subTest(file=name, field=field):
                    mine = normalise(ours[field])
                    theirs = normalise(getattr(python, field))
                    if (name, field) in DIFFERENCES:
                        used.add((name, field))
                        why, expected = DIFFERENCES[(name, field)]
                        self.assertEqual(mine, expected, why)
                        self.assertNotEqual(theirs, expected, "listed as a difference but agrees: " + why)
                    else:
                        self.assertEqual(mine, theirs, python.text_error)
        self.assertEqual(set(DIFFERENCES) - used, set(), "differences listed for missing files")


if __name__ == "__main__":
    unittest.main()
