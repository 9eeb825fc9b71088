#!/usr/bin/python3
"""Parses each iCalendar file given with a second library (Debian's python3-icalendar) and prints what it read.

For each file: `ok FILE METHOD UID DTSTART DTEND` (DTSTART/DTEND in UTC, ISO 8601) or `FAIL FILE: reason`; exits 1 on
any failure. The server's tests compare the printed fields with what they expect.
"""
import sys
from datetime import date, datetime, timezone

import icalendar


def utc(value):
    if value is None:
        return "-"
    dt = value.dt
    if isinstance(dt, datetime):
        if dt.tzinfo is None:
            return "floating:" + dt.isoformat()
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(dt, date):
        return "date:" + dt.isoformat()
    return "?"


failed = False
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f:
            cal = icalendar.Calendar.from_ical(f.read())
        events = [c for c in cal.walk("VEVENT")]
        if len(events) != 1:
            raise ValueError(f"{len(events)} VEVENTs")
        e = events[0]
        for required in ("UID", "DTSTAMP", "DTSTART"):
            if e.get(required) is None:
                raise ValueError(f"no {required}")
        zones = {str(z.get("TZID")) for z in cal.walk("VTIMEZONE")}
        for prop in ("DTSTART", "DTEND"):
            tzid = e.get(prop).params.get("TZID") if e.get(prop) is not None else None
            if tzid is not None and str(tzid) not in zones:
                raise ValueError(f"{prop} names TZID {tzid} that no VTIMEZONE defines")
        print("ok", path, cal.get("METHOD", "-"), e.get("UID"), utc(e.get("DTSTART")), utc(e.get("DTEND")))
    except Exception as error:  # noqa: BLE001 - any failure of the library is the finding
        failed = True
        print(f"FAIL {path}: {type(error).__name__}: {error}")
sys.exit(1 if failed else 0)
