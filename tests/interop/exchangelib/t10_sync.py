#!/usr/bin/python3
"""Synchronization: folder.sync_items() (SyncFolderItems) to the end in pages, then an incremental sync returning only
the changes (update, read flag, delete, create); account.root.sync_hierarchy() (SyncFolderHierarchy) before and after
a folder is created, renamed and deleted; a forged sync state refused."""
from exchangelib import Folder, Message
from exchangelib.errors import ErrorInvalidSyncStateData
from exchangelib.properties import Body

from common import Checks, account1, expect, expect_eq, expect_raises, run_id

c = Checks()
tag = f"rdv-t10-{run_id()}"
acct = c.run("account", lambda: account1())
state = {}


def changes_of(folder, **kw):
    """Every change of a sync_items() run as (change_type, id, value): value is the subject or the read flag."""
    out = []
    for change_type, obj in folder.sync_items(**kw):
        if change_type == "read_flag_change":
            item_id, is_read = obj
            out.append((change_type, item_id.id, is_read))
        elif change_type == "delete":
            out.append((change_type, obj.id, None))
        else:
            out.append((change_type, obj.id, obj.subject))
    return out


def setup():
    f = Folder(parent=acct.inbox, name=f"{tag} sync")
    f.save()
    state["folder"] = f
    msgs = []
    for i in range(5):
        m = Message(account=acct, folder=f, subject=f"{tag} m{i}", body=Body(f"body {i}"))
        m.save()
        msgs.append(m)
    state["msgs"] = msgs


c.run("create_folder_and_messages", setup, needs=["account"])


def first_sync():
    f = state["folder"]
    # Pages of 2: exchangelib follows IncludesLastItemInRange=false itself.
    got = changes_of(f, max_changes_returned=2)
    expect_eq(sorted(got), sorted(("create", m.id, m.subject) for m in state["msgs"]), "first sync")
    expect(f.item_sync_state, "no sync state after the first sync")
    state["sync1"] = f.item_sync_state


c.run("first_sync_items_in_pages", first_sync, needs=["create_folder_and_messages"])


def nothing_new():
    f = state["folder"]
    expect_eq(changes_of(f, sync_state=state["sync1"]), [], "changes right after a full sync")


c.run("sync_without_changes_is_empty", nothing_new, needs=["first_sync_items_in_pages"])


def incremental():
    f = state["folder"]
    m0, m1, m2 = state["msgs"][:3]
    m2_id = m2.id  # delete() forgets it
    m0.subject = f"{tag} m0 changed"
    m0.save(update_fields=["subject"])
    m1.is_read = False
    m1.save(update_fields=["is_read"])
    m2.delete()
    new = Message(account=acct, folder=f, subject=f"{tag} new")
    new.save()
    got = changes_of(f, sync_state=state["sync1"])
    expected = [("update", m0.id, f"{tag} m0 changed"), ("read_flag_change", m1.id, False), ("delete", m2_id, None),
                ("create", new.id, f"{tag} new")]
    expect_eq(sorted(got, key=repr), sorted(expected, key=repr), "incremental sync")
    state["sync2"] = f.item_sync_state
    expect(state["sync2"] != state["sync1"], "the sync state did not move")
    expect_eq(changes_of(f, sync_state=state["sync2"]), [], "changes after the incremental sync")


c.run("incremental_sync_returns_only_the_changes", incremental, needs=["first_sync_items_in_pages"])


def forged_state():
    f = state["folder"]
    forged = state["sync1"][:-4] + ("AAAA" if not state["sync1"].endswith("AAAA") else "BBBB")
    expect_raises(lambda: list(f.sync_items(sync_state=forged)), "sync with a forged state",
                  accept=lambda e: isinstance(e, ErrorInvalidSyncStateData))
    other = acct.calendar
    expect_raises(lambda: list(other.sync_items(sync_state=state["sync1"])), "sync of the calendar with the folder's state",
                  accept=lambda e: isinstance(e, ErrorInvalidSyncStateData))


c.run("forged_or_foreign_state_is_refused", forged_state, needs=["first_sync_items_in_pages"])


def hierarchy_first():
    root = acct.root
    got = list(root.sync_hierarchy())
    expect(got, "first hierarchy sync is empty")
    expect(all(t == "create" for t, _ in got), f"first hierarchy sync change types {sorted({t for t, _ in got})}")
    ids = {f.id for _, f in got}
    expect(acct.inbox.id in ids and acct.calendar.id in ids, "inbox or calendar missing from the first hierarchy sync")
    expect(state["folder"].id in ids, "the test folder is missing from the first hierarchy sync")
    state["hsync1"] = root.folder_sync_state
    expect(state["hsync1"], "no folder sync state")


c.run("sync_hierarchy_first", hierarchy_first, needs=["create_folder_and_messages"])


def hierarchy_changes():
    root = acct.root
    f = state["folder"]
    sub = Folder(parent=f, name=f"{tag} sub")
    sub.save()
    state["sub"] = sub
    f.name = f"{tag} sync renamed"
    f.save(update_fields=["name"])
    got = list(root.sync_hierarchy(sync_state=state["hsync1"]))
    pairs = {(t, obj.id) for t, obj in got}
    expect(("create", sub.id) in pairs, f"no create of the subfolder in {sorted(pairs)}")
    expect(("update", f.id) in pairs, f"no update of the renamed folder in {sorted(pairs)}")
    expect(not any(t == "create" and i != sub.id for t, i in pairs), f"creates of folders that already existed: {sorted(pairs)}")
    renamed = [obj for t, obj in got if t == "update" and obj.id == f.id][0]
    expect_eq(renamed.name, f"{tag} sync renamed", "name in the update")
    state["hsync2"] = root.folder_sync_state

    fid, sid = f.id, sub.id
    f.delete()
    got = list(root.sync_hierarchy(sync_state=state["hsync2"]))
    deleted = {obj.id for t, obj in got if t == "delete"}
    expect({fid, sid} <= deleted, f"deletes {sorted(deleted)} miss the folder or its subfolder")
    state.pop("folder")


c.run("sync_hierarchy_create_rename_delete", hierarchy_changes, needs=["sync_hierarchy_first"])


def cleanup():
    if "folder" in state and state["folder"].id:
        state["folder"].delete()


if acct is not None:
    c.cleanup(cleanup)
c.finish()
