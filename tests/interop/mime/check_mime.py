#!/usr/bin/python3
"""Parses each RFC 5322 message given with a second parser (python3's own `email` package) and prints its structure.

For each file one line of JSON: {"file", "subject", "defects", "tree"}, where the tree is the MIME structure, each
part with its content type, disposition, filename, Content-ID, and (leaves) the decoded size and SHA-256, the text of
a text part, and (message/rfc822) the attached message's subject and tree. Exits 1 when a file cannot be parsed.
The server's tests compare the structure with what they expect, and require no defects.
"""
import hashlib
import json
import sys
from email import policy
from email.parser import BytesParser


def describe(part, defects):
    defects.extend(type(d).__name__ for d in part.defects)
    node = {"type": part.get_content_type()}
    disposition = part.get_content_disposition()
    if disposition:
        node["disposition"] = disposition
    filename = part.get_filename()
    if filename:
        node["filename"] = filename
    if part["Content-ID"]:
        node["cid"] = str(part["Content-ID"]).strip().strip("<>")
    if node["type"] == "message/rfc822":
        inner = part.get_payload(0)
        node["subject"] = str(inner["Subject"] or "")
        node["parts"] = [describe(inner, defects)]
    elif part.is_multipart():
        node["parts"] = [describe(p, defects) for p in part.iter_parts()]
    else:
        payload = part.get_payload(decode=True) or b""
        node["size"] = len(payload)
        node["sha256"] = hashlib.sha256(payload).hexdigest()
        if part.get_content_maintype() == "text":
            node["text"] = part.get_content()[:400]
    return node


failed = False
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f:
            message = BytesParser(policy=policy.default).parse(f)
        defects = []
        tree = describe(message, defects)
        print(json.dumps({"file": path, "subject": str(message["Subject"] or ""), "defects": defects, "tree": tree}))
    except Exception as e:  # noqa: BLE001 - any failure to parse is the server's defect, reported
        failed = True
        print(json.dumps({"file": path, "error": f"{type(e).__name__}: {e}"}))
sys.exit(1 if failed else 0)
