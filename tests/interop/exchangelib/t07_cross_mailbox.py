#!/usr/bin/python3
"""Cross-mailbox isolation: user1's credentials must not read or change user2's mailbox, neither through
Account(user2 address, user1 credentials) (DistinguishedFolderId with Mailbox user2) nor through user2's item ids."""
from exchangelib import CalendarItem, Configuration, Credentials, Account, BASIC, DELEGATE, Version
from exchangelib.folders import Calendar, Root
from exchangelib.items import SEND_TO_NONE

from common import (EXPLICIT_BUILD, PASSWORD1, URL, USER1, USER2, UTC, CheckFailed, Checks, account1, account2, dt,
                    expect, expect_eq, expect_raises, run_id)

c = Checks()
tag = f"rdv-t07-{run_id()}"
acct1 = c.run("account1", lambda: account1())
acct2 = c.run("account2", lambda: account2())
state = {}


def plant():
    item = CalendarItem(folder=acct2.calendar, subject=f"{tag} secret of user2", location="Hidden",
                        start=dt(2030, 1, 7, 9, 0), end=dt(2030, 1, 7, 10, 0))
    item.save(send_meeting_invitations=SEND_TO_NONE)
    state["item"] = item


c.run("user2_creates_item", plant, needs=["account2"])


def intruder():
    # user2's address, user1's credentials: every folder request names Mailbox user2.
    config = Configuration(service_endpoint=URL, credentials=Credentials(USER1, PASSWORD1), auth_type=BASIC,
                           version=Version(build=EXPLICIT_BUILD))
    return Account(USER2, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC)


def leaks(value):
    """True when what came back carries user2's data."""
    text = repr(value)
    return tag in text or "Hidden" in text


def no_leak(fn, what):
    try:
        value = fn()
    except CheckFailed:
        raise
    except Exception as e:  # noqa: BLE001 - refusing is what we want; just make sure the error leaks nothing
        expect(not leaks(str(e)), f"{what}: the error leaks user2's data: {e}")
        return e
    if hasattr(value, "__iter__") and not isinstance(value, (str, bytes)):
        value = list(value)
    expect(not leaks(value), f"{what}: returned user2's data: {value!r}")
    raise CheckFailed(f"{what}: expected an error, got {value!r}")


def root():
    no_leak(lambda: intruder().root, "root of user2")


c.run("other_mailbox_root_refused", root, needs=["user2_creates_item"])


def calendar():
    no_leak(lambda: intruder().calendar, "calendar of user2")


c.run("other_mailbox_calendar_refused", calendar, needs=["user2_creates_item"])


def other_calendar():
    """user2's calendar as a folder object, built without GetFolder (which is refused): its requests carry
    DistinguishedFolderId calendar + Mailbox user2, with user1's credentials."""
    acct = intruder()
    folder = Calendar(root=Root(account=acct, is_distinguished=True), is_distinguished=True)
    expect_eq(folder.to_id().mailbox.email_address, USER2, "mailbox the folder id names")
    return acct, folder


def calendar_view():
    acct, folder = other_calendar()
    no_leak(lambda: list(folder.view(start=dt(2030, 1, 7), end=dt(2030, 1, 8))), "CalendarView of user2")
    no_leak(lambda: list(folder.filter(subject__contains=tag)), "FindItem in user2's calendar")


c.run("other_mailbox_finditem_refused", calendar_view, needs=["user2_creates_item"])


def folder_id():
    # user2's calendar FolderId (not a distinguished id) used by user1's own account.
    cal2 = acct2.calendar
    folder = Calendar(root=acct1.root, id=cal2.id, changekey=cal2.changekey)
    no_leak(lambda: list(folder.view(start=dt(2030, 1, 7), end=dt(2030, 1, 8))), "CalendarView by user2's FolderId")
    no_leak(lambda: list(folder.filter(subject__contains=tag)), "FindItem by user2's FolderId")
    no_leak(lambda: folder.refresh(), "GetFolder by user2's FolderId")


c.run("other_mailbox_folder_id_refused", folder_id, needs=["user2_creates_item", "account1"])


def get_by_id():
    item = state["item"]
    got = list(acct1.fetch(ids=[(item.id, item.changekey)]))
    expect_eq(len(got), 1, "fetch() results")
    expect(not leaks(got[0]), f"user1 read user2's item by id: {got[0]!r}")
    expect(isinstance(got[0], Exception), f"fetch() of user2's item id gave {got[0]!r}")


c.run("other_mailbox_item_id_unreadable", get_by_id, needs=["user2_creates_item", "account1"])


def update_by_id():
    item = state["item"]
    foreign = CalendarItem(account=acct1, folder=acct1.calendar, id=item.id, changekey=item.changekey,
                           subject=f"{tag} defaced by user1")
    expect_raises(lambda: foreign.save(update_fields=["subject"], send_meeting_invitations=SEND_TO_NONE),
                  "UpdateItem of user2's item by user1")
    expect_eq(acct2.calendar.get(id=item.id).subject, f"{tag} secret of user2", "user2's subject afterwards")


c.run("other_mailbox_item_id_not_updatable", update_by_id, needs=["user2_creates_item", "account1"])


def delete_by_id():
    item = state["item"]
    foreign = CalendarItem(account=acct1, folder=acct1.calendar, id=item.id, changekey=item.changekey)
    expect_raises(lambda: foreign.delete(send_meeting_cancellations=SEND_TO_NONE), "DeleteItem of user2's item by user1")
    got = acct2.calendar.get(id=item.id)
    expect(not isinstance(got, Exception), f"user2's item after user1's delete attempt: {got!r}")
    expect_eq(got.subject, f"{tag} secret of user2", "user2's item still there")


c.run("other_mailbox_item_id_not_deletable", delete_by_id, needs=["user2_creates_item", "account1"])


def copy_by_id():
    item = state["item"]
    foreign = CalendarItem(account=acct1, folder=acct1.calendar, id=item.id, changekey=item.changekey)
    no_leak(lambda: foreign.copy(to_folder=acct1.calendar), "CopyItem of user2's item into user1's calendar")
    expect_eq(acct1.calendar.filter(subject__contains=tag).count(), 0, "copies in user1's calendar")


c.run("other_mailbox_item_id_not_copyable", copy_by_id, needs=["user2_creates_item", "account1"])


def create_in_other():
    acct, folder = other_calendar()
    item = CalendarItem(account=acct, folder=folder, subject=f"{tag} planted by user1",
                        start=dt(2030, 1, 7, 11, 0), end=dt(2030, 1, 7, 12, 0))
    expect_raises(lambda: item.save(send_meeting_invitations=SEND_TO_NONE), "CreateItem in user2's calendar by user1")
    expect_eq(acct2.calendar.filter(subject=f"{tag} planted by user1").count(), 0, "items planted in user2's calendar")


c.run("other_mailbox_create_refused", create_in_other, needs=["user2_creates_item"])


def own_still_works():
    # After all the refusals, user1's own mailbox still answers.
    expect(acct1.calendar.total_count >= 0, "user1's calendar")


c.run("own_mailbox_still_works", own_still_works, needs=["account1"])

if "item" in state:
    c.cleanup(lambda: state["item"].delete(send_meeting_cancellations=SEND_TO_NONE))
c.finish()
