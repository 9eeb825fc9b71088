#!/usr/bin/python3
"""Time zones with exchangelib: GetServerTimeZones rebuilt into legacy rules, items created in Paris, New York and
Sydney across their DST changes, an account whose TimeZoneContext is not UTC, and all-day events."""
import datetime

from exchangelib import CalendarItem, EWSDate, EWSDateTime, EWSTimeZone
from exchangelib.items import SEND_TO_NONE
from exchangelib.properties import TimeZone

from common import Checks, account1, expect, expect_eq, run_id

c = Checks()
tag = f"rdv-t12-{run_id()}"
acct = c.run("account", lambda: account1())
PARIS, NEW_YORK, SYDNEY = EWSTimeZone("Europe/Paris"), EWSTimeZone("America/New_York"), EWSTimeZone("Australia/Sydney")
UTC = EWSTimeZone("UTC")
created = []


def server_timezones():
    definitions = list(acct.protocol.get_timezones(return_full_timezone_data=True))
    by_id = {d.id: d for d in definitions}
    expect("Romance Standard Time" in by_id and "UTC" in by_id, f"missing zones in {len(definitions)} definitions")
    # exchangelib rebuilds the legacy rule of a year from the periods and transition groups (as get_free_busy_info does).
    paris = TimeZone.from_server_timezone(tz_definition=by_id["Romance Standard Time"], for_year=2026)
    expect_eq(paris.bias, -60, "Paris bias")
    expect_eq((paris.daylight_time.iso_month, paris.daylight_time.occurrence, paris.daylight_time.bias), (3, 5, -60), "Paris DST start")
    expect_eq((paris.standard_time.iso_month, paris.standard_time.occurrence), (10, 5), "Paris DST end")
    eastern = TimeZone.from_server_timezone(tz_definition=by_id["Eastern Standard Time"], for_year=2026)
    expect_eq((eastern.bias, eastern.daylight_time.iso_month, eastern.daylight_time.occurrence), (300, 3, 2), "New York 2026")
    old = TimeZone.from_server_timezone(tz_definition=by_id["Eastern Standard Time"], for_year=2005)
    expect_eq((old.daylight_time.iso_month, old.daylight_time.occurrence), (4, 1), "New York 2005 (before the 2007 change)")
    # And back: our legacy rule maps to the server's zone id.
    expect_eq(TimeZone.from_server_timezone(tz_definition=by_id["AUS Eastern Standard Time"], for_year=2026)
              .to_server_timezone(timezones=definitions, for_year=2026) in ("AUS Eastern Standard Time",), True, "Sydney round trip")


c.run("get_server_timezones_full", server_timezones, needs=["account"])


def zoned(subject, start, end):
    item = CalendarItem(folder=acct.calendar, subject=f"{tag} {subject}", start=start, end=end)
    item.save(send_meeting_invitations=SEND_TO_NONE)
    created.append(item)
    return acct.calendar.get(id=item.id)


def items_in_zones():
    # 09:00 on the Monday after each zone's spring change.
    cases = [
        (PARIS, EWSDateTime(2026, 3, 30, 9, 0, tzinfo=PARIS), "2026-03-30 07:00"),
        (NEW_YORK, EWSDateTime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK), "2026-03-09 13:00"),
        (SYDNEY, EWSDateTime(2026, 10, 5, 9, 0, tzinfo=SYDNEY), "2026-10-04 22:00"),
    ]
    for zone, start, utc in cases:
        got = zoned(f"in {zone.key}", start, start + datetime.timedelta(hours=1))
        expect_eq(got.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M"), utc, f"UTC start in {zone.key}")
        expect_eq(got._start_timezone.key, zone.key, "start timezone")
        expect_eq(got.start.astimezone(zone).hour, 9, f"wall clock in {zone.key}")


c.run("items_in_three_zones_across_dst", items_in_zones, needs=["account"])


def context_zone():
    # With a Paris default zone exchangelib sends TimeZoneContext "Romance Standard Time"; the server answers with offsets.
    acct.default_timezone = PARIS
    try:
        start = EWSDateTime(2026, 10, 26, 9, 0, tzinfo=PARIS)  # the day after Paris leaves summer time
        got = zoned("context", start, start + datetime.timedelta(hours=1))
        expect_eq(got.start, start, "start read back")
        expect_eq(got.start.astimezone(UTC).hour, 8, "UTC hour in winter")
    finally:
        acct.default_timezone = UTC


c.run("time_zone_context_paris", context_zone, needs=["account"])


def all_day():
    acct.default_timezone = SYDNEY
    try:
        item = CalendarItem(folder=acct.calendar, subject=f"{tag} all day", is_all_day=True,
                            start=EWSDate(2026, 4, 5), end=EWSDate(2026, 4, 5), legacy_free_busy_status="OOF")
        item.save(send_meeting_invitations=SEND_TO_NONE)
        created.append(item)
        got = acct.calendar.get(id=item.id)
        expect(got.is_all_day, "not all day")
        expect_eq((got.start, got.end), (EWSDate(2026, 4, 5), EWSDate(2026, 4, 5)), "dates of an all-day event on Sydney's DST day")
    finally:
        acct.default_timezone = UTC


c.run("all_day_event_on_dst_day", all_day, needs=["account"])

c.cleanup(lambda: [i.delete() for i in created])
c.finish()
