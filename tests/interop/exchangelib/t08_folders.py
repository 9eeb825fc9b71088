#!/usr/bin/python3
"""Folders and copy/move: create a mail folder under the inbox and a calendar folder under the calendar; copy() and
move() items into them; find them there; delete the folders."""
from exchangelib import CalendarItem, Folder, Mailbox, Message
from exchangelib.errors import DoesNotExist, ErrorFolderNotFound, ErrorItemNotFound
from exchangelib.folders import Calendar
from exchangelib.items import SEND_TO_NONE
from exchangelib.properties import Body

from common import USER2, Checks, account1, dt, expect, expect_eq, expect_raises, run_id

c = Checks()
tag = f"rdv-t08-{run_id()}"
acct = c.run("account", lambda: account1())
state = {}


def create_mail_folder():
    f = Folder(parent=acct.inbox, name=f"{tag} mail")
    f.save()
    expect(f.id, "no folder id after save")
    state["mail"] = f


c.run("create_folder_under_inbox", create_mail_folder, needs=["account"])


def find_mail_folder():
    f = acct.inbox // f"{tag} mail"  # exchangelib walks the children of the inbox (FindFolder)
    expect_eq(f.id, state["mail"].id, "id of the folder found by name")
    expect_eq(f.folder_class, "IPF.Note", "folder_class")
    names = [ch.name for ch in acct.inbox.children]
    expect(f"{tag} mail" in names, f"inbox children {names!r}")


c.run("find_folder_by_name", find_mail_folder, needs=["create_folder_under_inbox"])


def create_calendar_folder():
    f = Calendar(parent=acct.calendar, name=f"{tag} cal")
    f.save()
    expect(f.id, "no folder id after save")
    got = acct.calendar // f"{tag} cal"
    expect_eq(got.folder_class, "IPF.Appointment", "folder_class")
    expect(isinstance(got, Calendar), f"child calendar comes back as {type(got).__name__}")
    state["cal"] = f


c.run("create_calendar_subfolder", create_calendar_folder, needs=["account"])


def messages():
    m = Message(account=acct, folder=acct.drafts, subject=f"{tag} msg", body=Body("copy me"),
                to_recipients=[Mailbox(email_address=USER2)])
    m.save()
    state["msg"] = m


c.run("create_message", messages, needs=["account"])


def copy_message():
    m = state["msg"]
    res = m.copy(to_folder=state["mail"])
    expect(res is not None, "copy() returned no new id")
    copies = list(state["mail"].filter(subject=f"{tag} msg"))
    expect_eq(len(copies), 1, "copies in the new folder")
    expect(copies[0].id != m.id, "the copy has the original's id")
    expect_eq(str(copies[0].body).strip(), "copy me", "body of the copy")
    expect_eq(acct.drafts.filter(subject=f"{tag} msg").count(), 1, "originals left in Drafts")
    state["copy"] = copies[0]


c.run("copy_message_to_folder", copy_message, needs=["create_folder_under_inbox", "create_message"])


def copy_independent():
    cp = state["copy"]
    cp.subject = f"{tag} msg-copy"
    cp.save(update_fields=["subject"])
    expect_eq(acct.drafts.get(id=state["msg"].id).subject, f"{tag} msg", "original subject after editing the copy")


c.run("copy_is_independent", copy_independent, needs=["copy_message_to_folder"])


def move_message():
    m = state["msg"]
    old_id = m.id
    m.move(to_folder=state["mail"])
    expect(m.id and m.id != old_id, f"move() gave id {m.id!r} (old {old_id!r})")
    expect_eq(acct.drafts.filter(subject=f"{tag} msg").count(), 0, "left in Drafts after move")
    got = state["mail"].get(id=m.id)
    expect_eq(got.subject, f"{tag} msg", "subject of the moved item")
    expect(got.parent_folder_id.id == state["mail"].id, "moved item's parent_folder_id")
    old = list(acct.fetch(ids=[(old_id, None)]))
    expect(isinstance(old[0], ErrorItemNotFound), f"old id after move gives {old[0]!r}")


c.run("move_message_to_folder", move_message, needs=["create_folder_under_inbox", "create_message"])


def calendar_copy_move():
    item = CalendarItem(folder=acct.calendar, subject=f"{tag} event", location="Lab",
                        start=dt(2030, 1, 7, 9, 0), end=dt(2030, 1, 7, 10, 0))
    item.save(send_meeting_invitations=SEND_TO_NONE)
    state["event"] = item
    item.copy(to_folder=state["cal"])
    in_sub = list(state["cal"].view(start=dt(2030, 1, 7), end=dt(2030, 1, 8)))
    expect_eq([i.subject for i in in_sub], [f"{tag} event"], "CalendarView of the sub-calendar after copy")
    expect_eq(in_sub[0].location, "Lab", "location of the copy")
    in_main = [i for i in acct.calendar.view(start=dt(2030, 1, 7), end=dt(2030, 1, 8)) if i.subject == f"{tag} event"]
    expect_eq(len(in_main), 1, "original left in the main calendar")


c.run("copy_calendar_item_to_subcalendar", calendar_copy_move, needs=["create_calendar_subfolder"])


def calendar_move():
    item = state["event"]
    item.move(to_folder=state["cal"])
    in_main = [i for i in acct.calendar.view(start=dt(2030, 1, 7), end=dt(2030, 1, 8)) if i.subject == f"{tag} event"]
    expect_eq(len(in_main), 0, "left in the main calendar after move")
    expect_eq(state["cal"].filter(subject=f"{tag} event").count(), 2, "items in the sub-calendar (copy + moved)")


c.run("move_calendar_item_to_subcalendar", calendar_move, needs=["copy_calendar_item_to_subcalendar"])


def move_to_wrong_kind():
    # Moving a calendar item into a mail folder: Exchange allows it (the item keeps its class).
    item = CalendarItem(folder=acct.calendar, subject=f"{tag} stray", start=dt(2030, 1, 7, 11, 0), end=dt(2030, 1, 7, 12, 0))
    item.save(send_meeting_invitations=SEND_TO_NONE)
    item.move(to_folder=state["mail"])
    got = list(state["mail"].filter(subject=f"{tag} stray"))
    expect_eq(len(got), 1, "calendar item in the mail folder")
    expect_eq(got[0].item_class, "IPM.Appointment", "item_class after the move")


c.run("move_calendar_item_to_mail_folder", move_to_wrong_kind, needs=["create_folder_under_inbox"])


def rename_folder():
    f = state["mail"]
    f.name = f"{tag} mail renamed"
    f.save(update_fields=["name"])
    expect_eq((acct.inbox // f"{tag} mail renamed").id, f.id, "folder found by its new name")


c.run("rename_folder", rename_folder, needs=["create_folder_under_inbox"])


def delete_folders():
    for key in ("mail", "cal"):
        f = state[key]
        fid = f.id
        f.delete()
        expect_raises(lambda: Folder(root=acct.root, id=fid).refresh(), f"GetFolder of the deleted {key} folder",
                      accept=lambda e: isinstance(e, (ErrorFolderNotFound, DoesNotExist, ErrorItemNotFound)))
    names = [ch.name for ch in acct.inbox.children] + [ch.name for ch in acct.calendar.children]
    expect(not any(n.startswith(tag) for n in names if n), f"deleted folders still listed: {names!r}")


c.run("delete_folders", delete_folders, needs=["create_folder_under_inbox", "create_calendar_subfolder"])


def items_gone_with_folder():
    expect_eq(acct.calendar.filter(subject=f"{tag} event").count(), 0, "event in the main calendar")
    got = list(acct.fetch(ids=[(state["msg"].id, None)]))
    expect(isinstance(got[0], ErrorItemNotFound), f"item of a deleted folder still readable: {got[0]!r}")


c.run("folder_delete_takes_items", items_gone_with_folder, needs=["delete_folders", "move_message_to_folder"])


def cleanup():
    for key in ("mail", "cal"):
        if key in state and state[key].id:
            try:
                state[key].delete()
            except Exception:  # noqa: BLE001 - already gone
                pass
    for folder in (acct.drafts, acct.calendar):
        items = list(folder.filter(subject__startswith=tag))
        if items:
            acct.bulk_delete(items)


if acct is not None:
    c.cleanup(cleanup)
c.finish()
