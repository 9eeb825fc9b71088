#!/usr/bin/python3
"""Free/busy through exchangelib's protocol.get_free_busy_info (GetServerTimeZones, then GetUserAvailability):
the view types returned for the caller's own and another mailbox, the merged string, events with and without
details, working hours, and an unknown mailbox failing alone."""
from exchangelib import CalendarItem
from exchangelib.errors import ErrorMailRecipientNotFound
from exchangelib.items import SEND_TO_NONE

from common import Checks, account1, account2, dt, expect, expect_eq, run_id

c = Checks()
tag = f"rdv-t11-{run_id()}"
acct1 = c.run("account1", lambda: account1())
acct2 = c.run("account2", lambda: account2())
state = {}


def plant():
    # A private item of user1 and a normal one of user2 on 2030-01-09 (UTC).
    own = CalendarItem(folder=acct1.calendar, subject=f"{tag} own private", sensitivity="Private",
                       start=dt(2030, 1, 9, 14, 0), end=dt(2030, 1, 9, 15, 0))
    own.save(send_meeting_invitations=SEND_TO_NONE)
    other = CalendarItem(folder=acct2.calendar, subject=f"{tag} of user2", location="Somewhere",
                         start=dt(2030, 1, 9, 11, 0), end=dt(2030, 1, 9, 12, 0))
    other.save(send_meeting_invitations=SEND_TO_NONE)
    state["items"] = [(acct1, own), (acct2, other)]


c.run("plant", plant, needs=["account1", "account2"])


def views(requested_view, extra=()):
    accounts = [(acct1, "Organizer", False), (acct2.primary_smtp_address, "Required", False), *extra]
    return list(acct1.protocol.get_free_busy_info(accounts=accounts, start=dt(2030, 1, 9), end=dt(2030, 1, 10),
                                                  merged_free_busy_interval=30, requested_view=requested_view))


def mine(view):
    return [e for e in view.calendar_events or [] if e.details and tag in (e.details.subject or "")]


def detailed_merged():
    own, other = views("DetailedMerged")
    expect_eq(own.view_type, "DetailedMerged", "own view type")
    expect_eq(other.view_type, "FreeBusyMerged", "other mailbox's view type (free/busy only)")
    expect_eq(len(other.merged), 48, "one digit per 30 minutes of the day")
    expect_eq(other.merged[22:24], "22", "user2 busy 11:00-12:00")
    found = [e for e in other.calendar_events if (e.start.hour, e.start.minute, e.end.hour) == (11, 0, 12)]
    expect(found and found[0].busy_type == "Busy", f"user2's event at 11:00: {other.calendar_events}")
    expect(all(e.details is None for e in other.calendar_events), "no details of another mailbox")
    ours = mine(own)
    expect(len(ours) == 1 and ours[0].details.is_private, f"own private item with its details: {own.calendar_events}")
    expect_eq(own.merged[28:30], "22", "user1 busy 14:00-15:00")


c.run("detailed_merged", detailed_merged, needs=["plant"])


def free_busy_only():
    own, other = views("FreeBusy")
    expect_eq((own.view_type, other.view_type), ("FreeBusy", "FreeBusy"), "view types")
    expect(own.merged is None and other.merged is None, "no merged string in FreeBusy")
    expect(all(e.details is None for e in own.calendar_events), "no details in FreeBusy, even for one's own mailbox")


c.run("free_busy_only", free_busy_only, needs=["plant"])


def working_hours():
    own, _ = views("Detailed")
    expect(own.working_hours, "working periods returned")
    expect_eq(sorted(own.working_hours[0].weekdays), sorted([1, 2, 3, 4, 5]), "Monday to Friday by default")
    expect(own.working_hours_timezone is not None and own.working_hours_timezone.bias is not None, "working hours time zone")


c.run("working_hours", working_hours, needs=["plant"])


def unknown_mailbox():
    result = views("DetailedMerged", extra=[(f"nobody-{tag}@example.com", "Optional", False)])
    expect_eq(len(result), 3, "one answer per mailbox")
    expect(isinstance(result[2], ErrorMailRecipientNotFound), f"unknown mailbox fails alone: {result[2]!r}")
    expect_eq(result[0].view_type, "DetailedMerged", "the others still answered")


c.run("unknown_mailbox", unknown_mailbox, needs=["plant"])

for account, item in state.get("items", []):
    c.cleanup(lambda item=item: item.delete(send_meeting_cancellations=SEND_TO_NONE))
c.finish()
