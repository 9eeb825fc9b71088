#!/usr/bin/python3
"""DavMail end to end: Debian's davmail-server in front of a Rendezvous server, driven by a real CalDAV client.

Starts davmail-server on a free loopback port against RDV_URL (its EWS endpoint), then runs the CalDAV steps with
python3-caldav as RDV_USER1 (and RDV_USER2 as the meeting's attendee), printing `ok STEP` or `FAIL STEP: reason` for
each and a closing figure `davmail: N of M steps pass`: listing, reading, deleting an event made over EWS; creating,
updating, reading back and deleting one over CalDAV; a meeting created over CalDAV reaching the attendee's Inbox and
calendar, and the attendee accepting it in their own CalDAV session; a weekly series in Paris time PUT with its RRULE,
listed once by a REPORT with its RRULE, one occurrence moved (a RECURRENCE-ID VEVENT), one deleted (EXDATE), a series
PUT with an exception and an EXDATE at once, the series deleted. Steps in EXPECTED_TO_FAIL are run and reported
(`xfail`/`XPASS`) but do not fail the run.
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

# Steps that cannot pass yet for a reason outside this harness, each with its reason. Reported (`xfail`/`XPASS`), not
# counted against the run.
EXPECTED_TO_FAIL = {}

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


def ews_start(url, user, password, item_id):
    """The item's calendar:Start over EWS, in UTC."""
    text = ews(url, user, password, f'<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
                                    f'<t:FieldURI FieldURI="calendar:Start"/></t:AdditionalProperties></m:ItemShape>'
                                    f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    match = re.search(r"<t:Start>([^<]+)</t:Start>", text)
    return match.group(1) if match else None


def edited(data, summary, description, shift):
    """An event's iCalendar text with a new SUMMARY and DESCRIPTION and its VEVENT's DTSTART/DTEND moved by `shift`
    (wall-clock values, whatever their TZID)."""
    text = re.sub(r"\r?\n[ \t]", "", data)  # unfold (RFC 5545 §3.1)
    head, sep, event = text.partition("BEGIN:VEVENT")

    def moved(m):
        value = datetime.strptime(m.group(2)[:15], "%Y%m%dT%H%M%S") + shift
        return m.group(1) + value.strftime("%Y%m%dT%H%M%S") + m.group(2)[15:]

    event = re.sub(r"^(DT(?:START|END)[^:\r\n]*:)(\d{8}T\d{6}Z?)", moved, event, flags=re.M)
    event = re.sub(r"^(SUMMARY|DESCRIPTION)[;:].*\r?\n", "", event, flags=re.M)
    event = event.replace("END:VEVENT", f"SUMMARY:{summary}\r\nDESCRIPTION:{description}\r\nEND:VEVENT", 1)
    return (head + sep + event).replace("\r\n", "\n").replace("\n", "\r\n")


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


PARIS_VTIMEZONE = "\r\n".join([
    "BEGIN:VTIMEZONE", "TZID:Europe/Paris",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE"])


def weekly_series(uid, summary, exdate=None, moved=None):
    """A weekly series of five Mondays at 09:00 Paris time from 2031-03-03 (summer time begins on 2031-03-30, so the
    last one is 07:00 UTC, the others 08:00 UTC), with an EXDATE (a Paris wall-clock time, e.g. "20310317T090000", or a UTC one ending in Z)
    and `moved`, (original, new start, summary) of one occurrence as a RECURRENCE-ID VEVENT, as CalDAV clients write it."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Rendezvous//DavMail interop//EN", PARIS_VTIMEZONE,
             "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", "DTSTART;TZID=Europe/Paris:20310303T090000",
             "DTEND;TZID=Europe/Paris:20310303T100000", "RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=MO", f"SUMMARY:{summary}"]
    if exdate:
        lines.append(f"EXDATE:{exdate}" if exdate.endswith("Z") else f"EXDATE;TZID=Europe/Paris:{exdate}")
    lines.append("END:VEVENT")
    if moved:
        original, start, moved_summary = moved
        end = (datetime.strptime(start, "%Y%m%dT%H%M%S") + timedelta(hours=1)).strftime("%Y%m%dT%H%M%S")
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"RECURRENCE-ID;TZID=Europe/Paris:{original}",
                  f"DTSTART;TZID=Europe/Paris:{start}", f"DTEND;TZID=Europe/Paris:{end}", f"SUMMARY:{moved_summary}",
                  "END:VEVENT"]
    lines += ["END:VCALENDAR", ""]
    return "\r\n".join(lines)


def ews_series(url, user, password, item_id):
    """A master's CalendarItemType, Recurrence pattern, ModifiedOccurrences (OriginalStart -> Start) and
    DeletedOccurrences (Start) over EWS."""
    text = ews(url, user, password, f'''<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>
        <t:FieldURI FieldURI="calendar:CalendarItemType"/><t:FieldURI FieldURI="calendar:Recurrence"/>
        <t:FieldURI FieldURI="calendar:ModifiedOccurrences"/><t:FieldURI FieldURI="calendar:DeletedOccurrences"/>
        </t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>''')
    if "NoError" not in text:
        raise AssertionError("GetItem of the master failed: " + text[:300])
    kind = re.search(r"<t:CalendarItemType>(\w+)<", text)
    modified = re.search(r"<t:ModifiedOccurrences>(.*?)</t:ModifiedOccurrences>", text, re.S)
    deleted = re.search(r"<t:DeletedOccurrences>(.*?)</t:DeletedOccurrences>", text, re.S)
    return {
        "type": kind.group(1) if kind else None,
        "recurrence": "<t:Recurrence>" in text,
        "modified": dict((o, st) for st, o in re.findall(r"<t:Start>([^<]+)</t:Start><t:End>[^<]+</t:End><t:OriginalStart>([^<]+)<", modified.group(1))) if modified else {},
        "deleted": re.findall(r"<t:Start>([^<]+)</t:Start>", deleted.group(1)) if deleted else [],
    }


def put(client, url, data):
    """A CalDAV PUT of an event over an existing one. Note: DavMail answers an overwrite with 200 OK, which RFC 4918 allows
    and python3-caldav 0.11's save() refuses (it takes only 201 and 204), so the harness PUTs itself."""
    response = client.put(str(url), data, {"Content-Type": 'text/calendar; charset="utf-8"'})
    if response.status not in (200, 201, 204):
        raise AssertionError(f"PUT answered HTTP {response.status}")


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
    # Each EWS request is sent twice, first without credentials (answered 401 with no body): count the exchanges, each
    # response with the request before it.
    requests = [(m.start(), m.group(0)) for m in re.finditer(r'>> "<soap:Envelope.*?</soap:Envelope>"', text)]
    exchanges = []
    for m in re.finditer(r'<< "<\?xml.*?</s:Envelope>"', text):
        before = [body for at, body in requests if at < m.start()]
        if before:
            exchanges.append((before[-1], m.group(0)))
    operations = {}
    for request, _ in exchanges:
        for operation in re.findall(r"<soap:Body><m:(\w+)", request):
            operations[operation] = operations.get(operation, 0) + 1
    lines = ["wire: EWS requests " + ", ".join(f"{op} x{n}" for op, n in sorted(operations.items()))]
    codes = {}
    for _, response in exchanges:
        for code in re.findall(r"ResponseCode>(Error\w+)<", response) + re.findall(r"faultcode[^>]*>(?:\w+:)?(\w+)<", response):
            codes[code] = codes.get(code, 0) + 1
    lines += [f"wire: EWS {code} x{n}" for code, n in sorted(codes.items())]
    asked = [response for request, response in exchanges if "IncludeMimeContent>true" in request]
    if asked:
        answered = sum(1 for response in asked if "<t:MimeContent" in response)
        lines.append(f"wire: GetItem asked for MimeContent {len(asked)} times, answered with it {answered} times")
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
            ids = ews_find(ews_url, alice, alice_password, "calendar", state["put_subject"])
            if not ids:
                raise AssertionError("PUT answered but no calendar item has the subject over EWS")
            start = ews_start(ews_url, alice, alice_password, ids[0])
            if start != (day + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"):
                raise AssertionError(f"the event starts at {start} over EWS")

        def update_by_put():
            event = state.get("put_event")
            if event is None:
                raise AssertionError("nothing to update: the PUT did not create the event")
            updated = f"CalDAV event {tag} renamed"
            # Renamed, described anew and moved an hour later, as a client edits an event: on the object as read, its
            # times in the zone DavMail gave them. Note: DavMail 6.0 turns a UTC time it gets in an edit (DTSTART:...Z)
            # into that wall-clock time in the user's zone (mguessan/davmail#497, fixed in 6.8), on Exchange as here.
            current = calendar.event_by_url(event.url)
            current.load()
            put(client, event.url, edited(current.data, updated, "Edited over CalDAV", timedelta(hours=1)))
            ids = ews_find(ews_url, alice, alice_password, "calendar", updated)
            if not ids:
                raise AssertionError("the edit answered but the subject did not change over EWS")
            start = ews_start(ews_url, alice, alice_password, ids[0])
            if start != (day + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"):
                raise AssertionError(f"the edit answered but the event starts at {start} over EWS")

        def read_updated_event():
            # The CalDAV edit reads back over CalDAV: DavMail's UpdateItem sets 0x0037 and 0x1000 (title, description).
            event = state.get("put_event")
            if event is None:
                raise AssertionError("nothing to read: the PUT did not create the event")
            reread = calendar.event_by_url(event.url)
            reread.load()
            if f"CalDAV event {tag} renamed" not in reread.data or "Edited over CalDAV" not in reread.data:
                raise AssertionError("the event read back lacks the edited SUMMARY or DESCRIPTION: " + reread.data[:400])

        def delete_put_event():
            # An event created over CalDAV is deleted by the name the client gave it (DavMail finds it by 0x10F3).
            event = state.get("put_event")
            if event is None:
                raise AssertionError("nothing to delete: the PUT did not create the event")
            response = client.delete(str(event.url))
            if response.status >= 400:
                raise AssertionError(f"DELETE answered HTTP {response.status}")
            if ews_find(ews_url, alice, alice_password, "calendar", f"CalDAV event {tag} renamed"):
                raise AssertionError("DELETE answered but the item is still there over EWS")

        def meeting_reaches_attendee():
            state["meeting_subject"] = subject = f"CalDAV meeting {tag}"
            calendar.save_event(ical(f"rdv-davmail-meeting-{tag}@example.com", subject, day + timedelta(hours=4), day + timedelta(hours=5),
                                     organizer=alice, attendee=bob))
            if not ews_find(ews_url, bob, bob_password, "inbox", subject, kind="MeetingRequest"):
                raise AssertionError("no meeting request in the attendee's Inbox")
            if not ews_find(ews_url, bob, bob_password, "calendar", subject):
                raise AssertionError("no calendar item in the attendee's calendar")

        def attendee_accepts():
            # Bob, in his own CalDAV session, sets his PARTSTAT to ACCEPTED on his copy and PUTs it back: DavMail turns
            # that into a CreateItem of AcceptItem, and the organizer's copy tracks the response.
            subject = state.get("meeting_subject")
            if subject is None:
                raise AssertionError("no meeting to accept")
            bob_url = base + f"/users/{bob}/calendar/"
            bob_client = caldav.DAVClient(url=bob_url, username=bob, password=bob_password)
            bob_calendar = caldav.Calendar(client=bob_client, url=bob_url)
            copy = None
            for url, _, _ in bob_calendar.children():
                candidate = bob_calendar.event_by_url(url)
                candidate.load()
                if subject in candidate.data:
                    copy = candidate
                    break
            if copy is None:
                raise AssertionError("the attendee's CalDAV calendar does not list the meeting")
            component = copy.icalendar_instance.walk("VEVENT")[0]
            attendees = component.get("ATTENDEE")
            attendees = attendees if isinstance(attendees, list) else [attendees]
            mine = [a for a in attendees if a is not None and str(a).lower() == "mailto:" + bob.lower()]
            if not mine:
                raise AssertionError("the attendee is not among the ATTENDEEs of their copy: " + copy.data[:400])
            for a in mine:
                a.params["PARTSTAT"] = "ACCEPTED"
            put(bob_client, copy.url, copy.icalendar_instance.to_ical().decode())
            ids = ews_find(ews_url, alice, alice_password, "calendar", subject)
            if not ids:
                raise AssertionError("the organizer's calendar item is gone")
            text = ews(ews_url, alice, alice_password, f"""
                <m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>
                <t:FieldURI FieldURI="calendar:RequiredAttendees"/><t:FieldURI FieldURI="calendar:OptionalAttendees"/></t:AdditionalProperties></m:ItemShape>
                <m:ItemIds><t:ItemId Id="{ids[0]}"/></m:ItemIds></m:GetItem>""")
            tracked = re.search(rf"<t:EmailAddress>{re.escape(bob)}</t:EmailAddress>.*?<t:ResponseType>(\w+)</t:ResponseType>", text, re.S | re.I)
            if tracked is None or tracked.group(1) != "Accept":
                raise AssertionError("the organizer's attendee tracking does not show the acceptance: "
                                     + (tracked.group(1) if tracked else text[:400]))
            if not ews_find(ews_url, alice, alice_password, "inbox", "Accepted: " + subject, kind="MeetingResponse"):
                raise AssertionError("no acceptance in the organizer's Inbox")


        def series_by_put():
            # A weekly series in Paris time: DavMail creates it with a CreateItem of its MimeContent (RRULE, VTIMEZONE).
            state["series_uid"] = uid = f"rdv-davmail-series-{tag}@example.com"
            state["series_subject"] = subject = f"CalDAV series {tag}"
            state["series_event"] = calendar.save_event(weekly_series(uid, subject))
            ids = ews_find(ews_url, alice, alice_password, "calendar", subject)
            if len(ids) != 1:
                raise AssertionError(f"{len(ids)} calendar items have the series' subject over EWS")
            state["series_id"] = ids[0]
            series = ews_series(ews_url, alice, alice_password, ids[0])
            if series["type"] != "RecurringMaster" or not series["recurrence"]:
                raise AssertionError(f"over EWS the item is {series['type']}, recurrence {series['recurrence']}")

        def series_listed_once_with_rrule():
            # A calendar-query REPORT (what CalDAV clients sync by) lists the series once, as its master with its
            # RRULE: DavMail asks for items with PidLidRecurring or instancetype 1, whatever their date.
            if "series_uid" not in state:
                raise AssertionError("no series: the PUT did not create it")
            found = [e for e in calendar.events() if state["series_uid"] in e.data]
            if len(found) != 1:
                raise AssertionError(f"the REPORT lists the series {len(found)} times")
            data = re.sub(r"\r?\n[ \t]", "", found[0].data)
            if not re.search(r"^RRULE:.*FREQ=WEEKLY", data, re.M) or "BYDAY=MO" not in data:
                raise AssertionError("the series read back has no weekly RRULE: " + data[:500])
            if not re.search(r"^DTSTART;TZID=[^:]+:20310303T090000", data, re.M):
                raise AssertionError("the series read back does not start at 09:00 in its zone: "
                                     + (re.search(r"^DTSTART.*$", data, re.M) or [""])[0])

        def series_occurrence_edited():
            # The client PUTs the series with one occurrence moved (a RECURRENCE-ID VEVENT): DavMail updates the master,
            # then walks OccurrenceItemIds (GetItem ... OriginalStart) to the one of that RECURRENCE-ID and updates it.
            if "series_event" not in state:
                raise AssertionError("no series: the PUT did not create it")
            put(client, state["series_event"].url, weekly_series(state["series_uid"], state["series_subject"],
                                                                 moved=("20310310T090000", "20310311T110000", state["series_subject"] + " moved")))
            series = ews_series(ews_url, alice, alice_password, state["series_id"])
            if series["modified"] != {"2031-03-10T08:00:00Z": "2031-03-11T10:00:00Z"}:
                raise AssertionError(f"ModifiedOccurrences over EWS: {series['modified']}")

        def series_occurrence_deleted():
            # An EXDATE: DavMail walks the OccurrenceItemIds to that occurrence and deletes it. Note: DavMail 6.0's
            # handleExcludedDates reads an EXDATE's value as UTC whatever its TZID (convertCalendarDateToExchange + "Z"),
            # on Exchange as here, so a Paris EXDATE matches no occurrence; later DavMail converts it from its TZID
            # (convertCalendarDateToExchangeZulu). The EXDATE is given in UTC, which 6.0 and later read alike.
            if "series_event" not in state:
                raise AssertionError("no series: the PUT did not create it")
            put(client, state["series_event"].url, weekly_series(state["series_uid"], state["series_subject"], exdate="20310317T080000Z",
                                                                 moved=("20310310T090000", "20310311T110000", state["series_subject"] + " moved")))
            series = ews_series(ews_url, alice, alice_password, state["series_id"])
            if series["deleted"] != ["2031-03-17T08:00:00Z"]:
                raise AssertionError(f"DeletedOccurrences over EWS: {series['deleted']}")
            # Read back over CalDAV: the deletion as an EXDATE, the moved occurrence as a RECURRENCE-ID VEVENT.
            reread = calendar.event_by_url(state["series_event"].url)
            reread.load()
            data = re.sub(r"\r?\n[ \t]", "", reread.data)
            if not re.search(r"^EXDATE[^:]*:(20310317T090000|20310317T080000Z)", data, re.M) or not re.search(r"^RECURRENCE-ID[^:]*:(20310310T090000|20310310T080000Z)", data, re.M):
                raise AssertionError("the series read back lacks its EXDATE or RECURRENCE-ID: " + data[:800])

        def series_with_exception_by_put():
            # A series created with an exception in the same PUT: DavMail sends the whole VCALENDAR as MimeContent and
            # the server makes the exception of the RECURRENCE-ID VEVENT.
            uid = f"rdv-davmail-series2-{tag}@example.com"
            subject = f"CalDAV series with exception {tag}"
            event = calendar.save_event(weekly_series(uid, subject, exdate="20310324T090000",
                                                      moved=("20310331T090000", "20310331T140000", subject + " later")))
            ids = ews_find(ews_url, alice, alice_password, "calendar", subject)
            if len(ids) != 1:
                raise AssertionError(f"{len(ids)} calendar items have the series' subject over EWS")
            series = ews_series(ews_url, alice, alice_password, ids[0])
            if series["modified"] != {"2031-03-31T07:00:00Z": "2031-03-31T12:00:00Z"} or series["deleted"] != ["2031-03-24T08:00:00Z"]:
                raise AssertionError(f"over EWS: modified {series['modified']}, deleted {series['deleted']}")
            reread = calendar.event_by_url(event.url)
            reread.load()
            data = re.sub(r"\r?\n[ \t]", "", reread.data)
            if not re.search(r"^RECURRENCE-ID[^:]*:20310331T", data, re.M) or not re.search(r"^EXDATE[^:]*:20310324T", data, re.M):
                raise AssertionError("the series read back lacks its RECURRENCE-ID or EXDATE: " + data[:800])
            response = client.delete(str(event.url))
            if response.status >= 400:
                raise AssertionError(f"DELETE answered HTTP {response.status}")

        def series_deleted():
            if "series_event" not in state:
                raise AssertionError("no series: the PUT did not create it")
            response = client.delete(str(state["series_event"].url))
            if response.status >= 400:
                raise AssertionError(f"DELETE answered HTTP {response.status}")
            if ews_exists(ews_url, alice, alice_password, state["series_id"]):
                raise AssertionError("DELETE answered but the series is still there over EWS")

        step("list_calendar", list_calendar)
        step("read_event", read_event)
        step("delete_event", delete_event)
        step("create_by_put", create_by_put)
        step("update_by_put", update_by_put)
        step("read_updated_event", read_updated_event)
        step("delete_put_event", delete_put_event)
        step("meeting_reaches_attendee", meeting_reaches_attendee)
        step("attendee_accepts", attendee_accepts)
        step("series_by_put", series_by_put)
        step("series_listed_once_with_rrule", series_listed_once_with_rrule)
        step("series_occurrence_edited", series_occurrence_edited)
        step("series_occurrence_deleted", series_occurrence_deleted)
        step("series_with_exception_by_put", series_with_exception_by_put)
        step("series_deleted", series_deleted)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()

    for line in wire_summary(log_dir):
        print(line)
    passed = sum(1 for _, ok, _ in results if ok)
    expected = f" (expected to fail: {', '.join(sorted(EXPECTED_TO_FAIL))})" if EXPECTED_TO_FAIL else ""
    print(f"davmail: {passed} of {len(results)} steps pass{expected}; log in {log_dir}")
    required_failures = [name for name, ok, _ in results if not ok and name not in EXPECTED_TO_FAIL]
    return 1 if required_failures else 0


if __name__ == "__main__":
    sys.exit(main())
