#!/usr/bin/python3
"""Update a calendar item with save(update_fields=[...]): subject, location, start, end; re-read; the changekey
must change, and the item must move in CalendarView accordingly."""
from exchangelib import CalendarItem
from exchangelib.items import SEND_TO_NONE

from common import Checks, account1, dt, expect, expect_eq, run_id

c = Checks()
tag = f"rdv-t03-{run_id()}"
acct = c.run("account", lambda: account1())
state = {}


def create():
    item = CalendarItem(folder=acct.calendar, subject=f"{tag} before", location="Old room",
                        start=dt(2030, 1, 7, 9, 0), end=dt(2030, 1, 7, 10, 0), importance="Low")
    item.save(send_meeting_invitations=SEND_TO_NONE)
    expect(item.id and item.changekey, "no id/changekey")
    state["item"] = item
    state["ck0"] = item.changekey


c.run("create", create, needs=["account"])


def update():
    item = state["item"]
    item.subject = f"{tag} after"
    item.location = "New room"
    item.start = dt(2030, 1, 7, 14, 0)
    item.end = dt(2030, 1, 7, 15, 30)
    item.save(update_fields=["subject", "location", "start", "end"], send_meeting_invitations=SEND_TO_NONE)
    expect_eq(item.id, state["item"].id, "id after update")
    state["ck1"] = item.changekey


c.run("update_fields_save", update, needs=["create"])


def changekey_changed():
    expect(state["ck1"], "no changekey returned by UpdateItem")
    expect(state["ck1"] != state["ck0"], f"changekey unchanged after update: {state['ck0']!r}")


c.run("changekey_changes_on_update", changekey_changed, needs=["update_fields_save"])


def reread():
    got = acct.calendar.get(id=state["item"].id)
    expect_eq(got.subject, f"{tag} after", "subject")
    expect_eq(got.location, "New room", "location")
    expect_eq(got.start, dt(2030, 1, 7, 14, 0), "start")
    expect_eq(got.end, dt(2030, 1, 7, 15, 30), "end")
    expect_eq(got.importance, "Low", "importance (not in update_fields, must be untouched)")
    expect_eq(got.changekey, state["ck1"], "changekey on re-read vs UpdateItem's answer")


c.run("reread_after_update", reread, needs=["update_fields_save"])


def view_moved():
    old = [i for i in acct.calendar.view(start=dt(2030, 1, 7, 9, 0), end=dt(2030, 1, 7, 10, 0))
           if i.subject and i.subject.startswith(tag)]
    new = [i for i in acct.calendar.view(start=dt(2030, 1, 7, 15, 0), end=dt(2030, 1, 7, 16, 0))
           if i.subject and i.subject.startswith(tag)]
    expect_eq(len(old), 0, "items in the old time slot")
    expect_eq(len(new), 1, "items in the new time slot")


c.run("view_follows_new_times", view_moved, needs=["update_fields_save"])


def filter_new_subject():
    expect_eq(acct.calendar.filter(subject=f"{tag} before").count(), 0, "old subject matches")
    expect_eq(acct.calendar.filter(subject=f"{tag} after").count(), 1, "new subject matches")


c.run("filter_follows_new_subject", filter_new_subject, needs=["update_fields_save"])


def clear_field():
    item = state["item"]
    item.location = None
    item.save(update_fields=["location"], send_meeting_invitations=SEND_TO_NONE)
    got = acct.calendar.get(id=item.id)
    expect(not got.location, f"location after clearing (DeleteItemField): {got.location!r}")
    expect(item.changekey != state["ck1"], "changekey unchanged after second update")
    state["ck2"] = item.changekey


c.run("update_clear_field", clear_field, needs=["update_fields_save"])


def full_save():
    # save() without update_fields on an existing item: exchangelib sends every changed/settable field.
    item = acct.calendar.get(id=state["item"].id)
    item.subject = f"{tag} full-save"
    item.reminder_minutes_before_start = 10
    item.save(send_meeting_invitations=SEND_TO_NONE)
    got = acct.calendar.get(id=item.id)
    expect_eq(got.subject, f"{tag} full-save", "subject")
    expect_eq(got.reminder_minutes_before_start, 10, "reminder_minutes_before_start")
    expect_eq(got.start, dt(2030, 1, 7, 14, 0), "start")


c.run("update_without_update_fields", full_save, needs=["update_fields_save"])


def end_before_start():
    from exchangelib.errors import ResponseMessageError

    from common import expect_raises
    # UpdateItem does not run exchangelib's client-side start <= end check: the server must refuse it.
    item = acct.calendar.get(id=state["item"].id)
    item.end = dt(2030, 1, 7, 13, 0)
    expect_raises(lambda: item.save(update_fields=["end"], send_meeting_invitations=SEND_TO_NONE),
                  "UpdateItem with End before Start", accept=lambda e: isinstance(e, ResponseMessageError))
    got = acct.calendar.get(id=item.id)
    expect_eq(got.end, dt(2030, 1, 7, 15, 30), "end after a refused update")


c.run("update_end_before_start_refused", end_before_start, needs=["update_fields_save"])

if "item" in state:
    c.cleanup(lambda: state["item"].delete(send_meeting_cancellations=SEND_TO_NONE))
c.finish()
