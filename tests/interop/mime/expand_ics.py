#!/usr/bin/python3
"""Expands a recurring iCalendar object with a second implementation (Debian's python3-icalendar and
python3-recurring-ical-events): RRULE, EXDATE and RECURRENCE-ID as RFC 5545 reads them, without the server's code.

Usage: expand_ics.py FILE FROM TO (FROM/TO: ISO dates, UTC). Prints one line per occurrence, in start order:
`START END SUMMARY` with START/END in UTC (`date:YYYY-MM-DD` for all-day ones); exits 1 when the libraries refuse it.
"""
import sys
from datetime import date, datetime, timezone

import icalendar
import recurring_ical_events


def utc(dt):
    if isinstance(dt, datetime):
        if dt.tzinfo is None:
            return "floating:" + dt.isoformat()
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "date:" + dt.isoformat()


try:
    with open(sys.argv[1], "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    start, end = date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
    events = recurring_ical_events.of(cal).between(start, end)
    rows = sorted((utc(e["DTSTART"].dt), utc(e["DTEND"].dt) if e.get("DTEND") else "-", str(e.get("SUMMARY", ""))) for e in events)
    for row in rows:
        print(*row)
except Exception as error:  # noqa: BLE001 - any failure of the libraries is the finding
    print(f"FAIL {type(error).__name__}: {error}")
    sys.exit(1)
