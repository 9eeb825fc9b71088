#!/usr/bin/python3
"""Delete calendar items: delete() (HardDelete), move_to_trash() (MoveToDeletedItems: the item appears in Deleted
Items under a new id), soft_delete() (SoftDelete: gone from the calendar)."""
from exchangelib import CalendarItem
from exchangelib.errors import DoesNotExist, ErrorItemNotFound
from exchangelib.items import SEND_TO_NONE

from common import Checks, account1, dt, expect, expect_eq, expect_raises, run_id

c = Checks()
tag = f"rdv-t04-{run_id()}"
acct = c.run("account", lambda: account1())
leftovers = []


def new_item(name, hour):
    item = CalendarItem(folder=acct.calendar, subject=f"{tag} {name}", location="Somewhere",
                        start=dt(2030, 1, 7, hour, 0), end=dt(2030, 1, 7, hour + 1, 0))
    item.save(send_meeting_invitations=SEND_TO_NONE)
    expect(item.id, "no id after save")
    leftovers.append(item)
    return item


def is_not_found(e):
    return isinstance(e, (DoesNotExist, ErrorItemNotFound))


def expect_not_found(fn, what):
    """exchangelib 4.9's get(id=...) raises DoesNotExist/ErrorItemNotFound, or returns the ErrorItemNotFound that
    GetItem answered (QuerySet.get() hands back what account.fetch() yields). Either way: not found."""
    try:
        got = fn()
    except Exception as e:  # noqa: BLE001
        expect(is_not_found(e), f"{what}: unexpected exception {type(e).__name__}: {e}")
        return
    expect(isinstance(got, ErrorItemNotFound), f"{what}: expected ErrorItemNotFound, got {got!r}")


def gone_from_calendar(item_id, subject):
    expect_not_found(lambda: acct.calendar.get(id=item_id), "get() of a deleted item")
    expect_eq(acct.calendar.filter(subject=subject).count(), 0, "calendar items with the deleted subject")
    in_view = [i for i in acct.calendar.view(start=dt(2030, 1, 7), end=dt(2030, 1, 8)) if i.subject == subject]
    expect_eq(len(in_view), 0, "deleted item in CalendarView")


def hard_delete():
    item = new_item("hard", 9)
    item_id = item.id
    item.delete(send_meeting_cancellations=SEND_TO_NONE)
    gone_from_calendar(item_id, f"{tag} hard")
    expect_eq(acct.trash.filter(subject=f"{tag} hard").count(), 0, "hard-deleted item found in Deleted Items")


c.run("delete_hard", hard_delete, needs=["account"])


def fetch_deleted_error():
    item = new_item("hard2", 10)
    item_id, ck = item.id, item.changekey
    item.delete(send_meeting_cancellations=SEND_TO_NONE)
    # account.fetch returns the per-item error instead of raising.
    got = list(acct.fetch(ids=[(item_id, ck)]))
    expect_eq(len(got), 1, "fetch() results")
    expect(isinstance(got[0], ErrorItemNotFound), f"fetch() of a deleted item gave {got[0]!r}")


c.run("fetch_deleted_gives_ErrorItemNotFound", fetch_deleted_error, needs=["account"])


def delete_twice():
    item = new_item("twice", 11)
    stale = CalendarItem(account=acct, folder=acct.calendar, id=item.id, changekey=item.changekey)
    item.delete(send_meeting_cancellations=SEND_TO_NONE)
    expect_raises(lambda: stale.delete(send_meeting_cancellations=SEND_TO_NONE), "second delete",
                  accept=lambda e: isinstance(e, ErrorItemNotFound))


c.run("delete_twice_ErrorItemNotFound", delete_twice, needs=["account"])


def move_to_trash():
    item = new_item("trash", 12)
    old_id = item.id
    item.move_to_trash(send_meeting_cancellations=SEND_TO_NONE)
    gone_from_calendar(old_id, f"{tag} trash")
    in_trash = list(acct.trash.filter(subject=f"{tag} trash"))
    expect_eq(len(in_trash), 1, "items with the subject in Deleted Items")
    moved = in_trash[0]
    expect(moved.id != old_id, "item in Deleted Items kept its old id")
    expect_eq(moved.location, "Somewhere", "location of the trashed item")
    expect_eq(moved.start, dt(2030, 1, 7, 12, 0), "start of the trashed item")
    expect(moved.parent_folder_id is not None and moved.parent_folder_id.id == acct.trash.id,
           "trashed item's parent_folder_id is not Deleted Items")
    # The new id reads back through get() too.
    again = acct.trash.get(id=moved.id)
    expect_eq(again.subject, f"{tag} trash", "subject via get(id=new id)")
    leftovers.append(moved)
    return moved


trashed = c.run("move_to_trash", move_to_trash, needs=["account"])


def empty_from_trash():
    trashed.delete()
    expect_eq(acct.trash.filter(subject=f"{tag} trash").count(), 0, "items left in Deleted Items")


c.run("delete_from_trash", empty_from_trash, needs=["move_to_trash"])


soft = {}


def soft_delete():
    item = new_item("soft", 13)
    soft["id"] = item.id
    # exchangelib sends DeleteItem SoftDelete, then binds account.recoverable_items_deletions (the dumpster,
    # distinguished folder 'recoverableitemsdeletions') to set item.folder.
    item.soft_delete(send_meeting_cancellations=SEND_TO_NONE)


c.run("soft_delete", soft_delete, needs=["account"])


def soft_deleted_gone():
    expect("id" in soft, "the item to soft-delete was not created")
    gone_from_calendar(soft["id"], f"{tag} soft")
    expect_eq(acct.trash.filter(subject=f"{tag} soft").count(), 0, "soft-deleted item in Deleted Items")


c.run("soft_delete_removes_from_calendar", soft_deleted_gone, needs=["account"])


def bulk_delete():
    items = [new_item(f"bulk{n}", 14 + n) for n in range(3)]
    res = acct.bulk_delete(items, send_meeting_cancellations=SEND_TO_NONE)
    expect_eq(res, [True, True, True], "bulk_delete results")
    expect_eq(acct.calendar.filter(subject__startswith=f"{tag} bulk").count(), 0, "bulk-deleted items left")


c.run("bulk_delete", bulk_delete, needs=["account"])


def survivors_untouched():
    keep = new_item("keep", 8)
    other = new_item("other", 7)
    other.delete(send_meeting_cancellations=SEND_TO_NONE)
    got = acct.calendar.get(id=keep.id)
    expect_eq(got.subject, f"{tag} keep", "subject of an item that was not deleted")


c.run("delete_leaves_others", survivors_untouched, needs=["account"])


def cleanup():
    for item in leftovers:
        try:
            item.delete(send_meeting_cancellations=SEND_TO_NONE)
        except Exception:  # noqa: BLE001 - most are already gone
            pass


if acct is not None:
    c.cleanup(cleanup)
c.finish()
