#!/usr/bin/python3
"""DavMail end to end: Debian's davmail-server in front of a Rendezvous server, driven by a real CalDAV client.

Starts davmail-server on a free loopback port against RDV_URL (its EWS endpoint), then runs the CalDAV steps with
python3-caldav as RDV_USER1 (and RDV_USER2 as the meeting's attendee), printing `ok STEP` or `FAIL STEP: reason` for
each and a closing figure `davmail: N of M steps pass`. Steps in EXPECTED_TO_FAIL wait on other work (CreateItem and
UpdateItem from MimeContent, issue 15 §4): they are run and reported (`xfail`/`XPASS`) but do not fail the run.
Exit 0 when every other step passes, 1 otherwise, 2 when davmail-server or python3-caldav is missing.

DavMail's wire log (log4j.logger.httpclient.wire=DEBUG) is kept in RDV_DAVMAIL_LOG (default: a temporary folder)
and summed up at the end: every EWS response that was not NoError, by ResponseCode.
"""

import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

# Steps that need MimeContent (engineer C's part of issue 15): DavMail reads an event's body as the iCalendar of GetItem's
# MimeContent, and PUTs events as CreateItem/UpdateItem from MimeContent (before its first PUT it also reads the
# VTIMEZONE of a temporary item's MimeContent). Reported, not counted against the run.
EXPECTED_TO_FAIL = {"read_event", "create_by_put", "update_by_put", "meeting_reaches_attendee"}

DAVMAIL = shutil.which("davmail-server") or "/usr/bin/davmail-server"

try:
    import caldav  # noqa: E402
except ImportError:
    caldav = None

EWS_NS = ('xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
          'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
          'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ews(url, user, password, body):
    """One EWS call over loopback; the response text (a SOAP fault too)."""
    envelope = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope {EWS_NS}><soap:Header>'
                f'<t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>')
    request = urllib.request.Request(url, data=envelope.encode(), method="POST", headers={
        "Content-Type": "text/xml; charset=utf-8",
        "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
    })
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()
    except urllib.error.HTTPError as e:
        return e.read().decode()


def ews_create_event(url, user, password, subject, start, end):
    text = ews(url, user, password, f"""
        <m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
        <m:Items><t:CalendarItem><t:Subject>{subject}</t:Subject><t:Body BodyType="Text">Made over EWS</t:Body>
        <t:Start>{start}</t:Start><t:End>{end}</t:End><t:Location>Room 9</t:Location></t:CalendarItem></m:Items></m:CreateItem>""")
    match = re.search(r'<t:ItemId Id="([^"]+)"', text)
    if not match:
        raise AssertionError("CreateItem over EWS failed: " + text[:300])
    return match.group(1)


def ews_find(url, user, password, folder, subject, kind="CalendarItem"):
    """Ids of the items of `folder` whose subject is `subject`."""
    text = ews(url, user, password, f"""
        <m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
        <m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="{subject}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>
        <m:ParentFolderIds><t:DistinguishedFolderId Id="{folder}"/></m:ParentFolderIds></m:FindItem>""")
    if "NoError" not in text:
        raise AssertionError("FindItem over EWS failed: " + text[:300])
    return re.findall(rf'<t:{kind}><t:ItemId Id="([^"]+)"', text)


def ews_exists(url, user, password, item_id):
    text = ews(url, user, password, f'<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                                    f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    return "NoError" in text


def ical(uid, summary, start, end, organizer=None, attendee=None, description="Made over CalDAV"):
    fmt = "%Y%m%dT%H%M%SZ"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Rendezvous//DavMail interop//EN", "BEGIN:VEVENT",
             f"UID:{uid}", f"DTSTAMP:{datetime.now(timezone.utc).strftime(fmt)}", f"DTSTART:{start.strftime(fmt)}",
             f"DTEND:{end.strftime(fmt)}", f"SUMMARY:{summary}", f"DESCRIPTION:{description}"]
    if organizer:
        lines.append(f"ORGANIZER:mailto:{organizer}")
    if attendee:
        lines.append(f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;ROLE=REQ-PARTICIPANT:mailto:{attendee}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def start_davmail(ews_url, log_dir):
    port = free_port()
    properties = os.path.join(log_dir, "davmail.properties")
    with open(properties, "w") as f:
        f.write("\n".join([
            "davmail.server=true",
            "davmail.mode=EWS",
            f"davmail.url={ews_url}",
            f"davmail.caldavPort={port}",
            "davmail.imapPort=", "davmail.ldapPort=", "davmail.popPort=", "davmail.smtpPort=",
            "davmail.allowRemote=false",
            "davmail.bindAddress=127.0.0.1",
            "davmail.disableUpdateCheck=true",
            f"davmail.logFilePath={os.path.join(log_dir, 'davmail.log')}",
            "log4j.rootLogger=WARN",
            "log4j.logger.davmail=DEBUG",
            "log4j.logger.httpclient.wire=DEBUG",
            "log4j.logger.org.apache.http.wire=DEBUG",
            "",
        ]))
    out = open(os.path.join(log_dir, "davmail.out"), "w")
    process = subprocess.Popen([DAVMAIL, properties], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"davmail-server exited {process.returncode}; see {out.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("davmail-server did not listen within 60 s")


def wire_summary(log_dir):
    """What DavMail's wire log shows: the EWS operations it sent, every response that was not NoError (by
    ResponseCode), GetItems that asked for MimeContent and got none, and the CalDAV answers of 4xx/5xx."""
    path = os.path.join(log_dir, "davmail.log")
    if not os.path.exists(path):
        return []
    text = open(path, errors="replace").read()
    operations = {}
    for operation in re.findall(r"<soap:Body><m:(\w+)", text):
        operations[operation] = operations.get(operation, 0) + 1
    lines = ["wire: EWS requests " + ", ".join(f"{op} x{n}" for op, n in sorted(operations.items()))]
    codes = {}
    for code in re.findall(r"ResponseCode>(Error\w+)<", text) + re.findall(r"faultcode[^>]*>(?:\w+:)?(\w+)<", text):
        codes[code] = codes.get(code, 0) + 1
    lines += [f"wire: EWS {code} x{n}" for code, n in sorted(codes.items())]
    asked = text.count("IncludeMimeContent>true")
    answered = text.count("<t:MimeContent")
    if asked:
        lines.append(f"wire: GetItem asked for MimeContent {asked} times, answered with it {answered} times")
    for status in sorted(set(re.findall(r"davmail  - > HTTP/1\.1 ([45]\d\d [A-Za-z ]+)", text))):
        lines.append(f"wire: CalDAV HTTP {status.strip()}")
    return lines


def main():
    if caldav is None:
        print("FAIL setup: python3-caldav is not installed (apt-get install -y python3-caldav)")
        return 2
    if not os.path.exists(DAVMAIL):
        print("FAIL setup: davmail-server is not installed (apt-get install -y davmail-server)")
        return 2

    ews_url = os.environ["RDV_URL"]
    alice, alice_password = os.environ["RDV_USER1"], os.environ["RDV_PASSWORD1"]
    bob, bob_password = os.environ["RDV_USER2"], os.environ["RDV_PASSWORD2"]
    log_dir = os.environ.get("RDV_DAVMAIL_LOG") or tempfile.mkdtemp(prefix="rdv-davmail-")
    os.makedirs(log_dir, exist_ok=True)
    process, port = start_davmail(ews_url, log_dir)
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        client = caldav.DAVClient(url=base + f"/users/{alice}/calendar/", username=alice, password=alice_password)
        calendar = caldav.Calendar(client=client, url=base + f"/users/{alice}/calendar/")
        tag = uuid.uuid4().hex[:8]
        day = datetime(2031, 3, 4, 9, 0, tzinfo=timezone.utc)
        state = {}

        def step(name, work):
            try:
                work()
                results.append((name, True, ""))
            except Exception as e:  # a step's failure is reported, the run goes on
                detail = f"{type(e).__name__}: {e}".replace("\n", " ")[:400]
                results.append((name, False, detail))
                if os.environ.get("RDV_DAVMAIL_TRACE"):
                    traceback.print_exc()
            ok = results[-1][1]
            if name in EXPECTED_TO_FAIL:
                print(("XPASS " if ok else "xfail ") + name + ("" if ok else ": " + results[-1][2]))
            else:
                print(("ok " if ok else "FAIL ") + name + ("" if ok else ": " + results[-1][2]))
            sys.stdout.flush()

        def list_calendar():
            # PROPFIND Depth 1 (what CalDAV clients sync by): every event's href and ETag, without its body.
            state["ews_subject"] = f"EWS event {tag}"
            state["ews_id"] = ews_create_event(ews_url, alice, alice_password, state["ews_subject"],
                                               day.strftime("%Y-%m-%dT%H:%M:%SZ"), (day + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
            name = state["ews_id"].replace("+", "-").replace("/", "_") + ".EML"
            children = calendar.children()
            hrefs = [str(url) for url, _, _ in children]
            matches = [h for h in hrefs if h.rstrip("/").endswith(name)]
            if not matches:
                raise AssertionError(f"the event created over EWS is not among the {len(hrefs)} listed ({name})")
            state["ews_href"] = matches[0]
            listing = client.propfind(str(calendar.url), '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', 1)
            raw = listing.raw.decode() if isinstance(listing.raw, bytes) else listing.raw
            entry = re.search(re.escape(name) + r".*?getetag>([^<]+)<", raw, re.S)
            if listing.status >= 400 or entry is None:
                raise AssertionError(f"no ETag for the event in the Depth 1 listing: HTTP {listing.status}")
            # DavMail's ETag is 0x3008, which it takes only as yyyy-MM-ddTHH:mm:ssZ.
            if not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.group(1)):
                raise AssertionError("the ETag is not a time: " + entry.group(1))

        def read_event():
            href = state.get("ews_href")
            if href is None:
                raise AssertionError("nothing to read: the event was not listed")
            event = calendar.event_by_url(href)
            event.load()
            if state["ews_subject"] not in event.data or "Room 9" not in event.data:
                raise AssertionError("the event read lacks its SUMMARY or LOCATION: " + event.data[:300])

        def delete_event():
            href = state.get("ews_href")
            if href is None:
                raise AssertionError("nothing to delete: the event was not listed")
            response = client.delete(href)
            if response.status >= 400:
                raise AssertionError(f"DELETE answered HTTP {response.status}")
            if ews_exists(ews_url, alice, alice_password, state["ews_id"]):
                raise AssertionError("DELETE answered but the item is still there over EWS")

        def create_by_put():
            state["put_subject"] = f"CalDAV event {tag}"
            state["put_uid"] = f"rdv-davmail-{tag}@example.com"
            state["put_event"] = calendar.save_event(ical(state["put_uid"], state["put_subject"], day + timedelta(hours=2), day + timedelta(hours=3)))
            if not ews_find(ews_url, alice, alice_password, "calendar", state["put_subject"]):
                raise AssertionError("PUT answered but no calendar item has the subject over EWS")

        def update_by_put():
            event = state.get("put_event")
            if event is None:
                raise AssertionError("nothing to update: the PUT did not create the event")
            updated = f"CalDAV event {tag} renamed"
            event.data = ical(state["put_uid"], updated, day + timedelta(hours=2), day + timedelta(hours=3), description="Edited over CalDAV")
            event.save()
            if not ews_find(ews_url, alice, alice_password, "calendar", updated):
                raise AssertionError("the edit answered but the subject did not change over EWS")

        def meeting_reaches_attendee():
            subject = f"CalDAV meeting {tag}"
            calendar.save_event(ical(f"rdv-davmail-meeting-{tag}@example.com", subject, day + timedelta(hours=4), day + timedelta(hours=5),
                                     organizer=alice, attendee=bob))
            if not ews_find(ews_url, bob, bob_password, "inbox", subject, kind="MeetingRequest"):
                raise AssertionError("no meeting request in the attendee's Inbox")
            if not ews_find(ews_url, bob, bob_password, "calendar", subject):
                raise AssertionError("no calendar item in the attendee's calendar")

        step("list_calendar", list_calendar)
        step("read_event", read_event)
        step("delete_event", delete_event)
        step("create_by_put", create_by_put)
        step("update_by_put", update_by_put)
        step("meeting_reaches_attendee", meeting_reaches_attendee)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()

    for line in wire_summary(log_dir):
        print(line)
    passed = sum(1 for _, ok, _ in results if ok)
    print(f"davmail: {passed} of {len(results)} steps pass (expected to fail: {', '.join(sorted(EXPECTED_TO_FAIL))}); log in {log_dir}")
    required_failures = [name for name, ok, _ in results if not ok and name not in EXPECTED_TO_FAIL]
    return 1 if required_failures else 0


if __name__ == "__main__":
    sys.exit(main())
