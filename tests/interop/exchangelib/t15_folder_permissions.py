#!/usr/bin/python3
"""Folder permissions through exchangelib: the owner reads folder.permission_set, and a colleague given Reviewer on the
owner's calendar reads it as Account(owner's address, own credentials, access_type=DELEGATE) -- the requests name the
owner's mailbox (DistinguishedFolderId with Mailbox) -- and may not add to it; once the permission is taken back the
calendar is refused again. exchangelib 4.9.0 cannot write a permission set (it nests PermissionSet in PermissionSet:
its issue 1145), so the grant is a raw UpdateFolder, as an administrator's tool would send it. The owner (RDV_USER2)
is left with the permissions it had."""
import requests
from exchangelib import CalendarItem, Configuration, Credentials, Account, BASIC, DELEGATE, Version
from exchangelib.folders import Calendar, Root
from exchangelib.items import SEND_TO_NONE

from common import (EXPLICIT_BUILD, PASSWORD1, PASSWORD2, URL, USER1, USER2, UTC, Checks, account2, dt, expect,
                    expect_eq, expect_raises, run_id)

c = Checks()
tag = f"rdv-t15-{run_id()}"
owner = c.run("owner_account", lambda: account2())
state = {}


def update_calendar_permissions(update):
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
<s:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></s:Header>
<s:Body><m:UpdateFolder><m:FolderChanges><t:FolderChange><t:DistinguishedFolderId Id="calendar"/><t:Updates>{update}</t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder></s:Body></s:Envelope>"""
    response = requests.post(URL, data=body.encode(), auth=(USER2, PASSWORD2), headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=30)
    expect(response.status_code == 200 and 'ResponseClass="Success"' in response.text, f"UpdateFolder: {response.status_code} {response.text[:300]}")


def grant(level):
    update_calendar_permissions(f"""<t:SetFolderField><t:FieldURI FieldURI="folder:PermissionSet"/><t:CalendarFolder><t:PermissionSet><t:CalendarPermissions>
<t:CalendarPermission><t:UserId><t:DistinguishedUser>Default</t:DistinguishedUser></t:UserId><t:CalendarPermissionLevel>FreeBusyTimeOnly</t:CalendarPermissionLevel></t:CalendarPermission>
<t:CalendarPermission><t:UserId><t:PrimarySmtpAddress>{USER1}</t:PrimarySmtpAddress></t:UserId><t:CalendarPermissionLevel>{level}</t:CalendarPermissionLevel></t:CalendarPermission>
</t:CalendarPermissions></t:PermissionSet></t:CalendarFolder></t:SetFolderField>""")


def revoke():
    # DeleteFolderField takes the set back to the defaults.
    update_calendar_permissions('<t:DeleteFolderField><t:FieldURI FieldURI="folder:PermissionSet"/></t:DeleteFolderField>')


def colleague():
    """The owner's address, the colleague's credentials: every folder request names the owner's mailbox."""
    config = Configuration(service_endpoint=URL, credentials=Credentials(USER1, PASSWORD1), auth_type=BASIC,
                           version=Version(build=EXPLICIT_BUILD))
    return Account(USER2, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC)


def shared_calendar(acct):
    """The owner's calendar as a folder object whose requests carry DistinguishedFolderId calendar with the owner's
    Mailbox. Note: exchangelib 4.9.0's account.calendar (and a GetFolder of a DistinguishedFolderId) first reads the
    owner's root folder, which a calendar permission does not open, as in Exchange; built so, it never does. The
    queries name their fields (.only): without them exchangelib fetches each item again, through the account's root."""
    folder = Calendar(root=Root(account=acct, is_distinguished=True), is_distinguished=True)
    expect_eq(folder.to_id().mailbox.email_address, USER2, "mailbox the folder id names")
    return folder


def default_set():
    permissions = owner.calendar.permission_set.calendar_permissions
    default = [p for p in permissions if p.user_id.distinguished_user == "Default"]
    expect_eq(len(default), 1, "Default entries")
    expect_eq(default[0].calendar_permission_level, "FreeBusyTimeOnly", "Default's level on a calendar")
    expect_eq(default[0].read_items, "TimeOnly", "Default's ReadItems")


c.run("owner_reads_default_permission_set", default_set, needs=["owner_account"])


def plant():
    item = CalendarItem(folder=owner.calendar, subject=f"{tag} shared", location="Room 3",
                        start=dt(2033, 5, 9, 9, 0), end=dt(2033, 5, 9, 10, 0))
    item.save(send_meeting_invitations=SEND_TO_NONE)
    state["item"] = item


c.run("owner_creates_item", plant, needs=["owner_account"])


def reviewer_granted():
    grant("Reviewer")
    owner.calendar.refresh()
    mine = [p for p in owner.calendar.permission_set.calendar_permissions
            if p.user_id.primary_smtp_address and p.user_id.primary_smtp_address.lower() == USER1.lower()]
    expect_eq([p.calendar_permission_level for p in mine], ["Reviewer"], "the colleague's level as the owner reads it")


c.run("owner_grants_reviewer", reviewer_granted, needs=["owner_account"])


def reads():
    calendar = shared_calendar(colleague())
    subjects = [i.subject for i in calendar.view(start=dt(2033, 5, 9), end=dt(2033, 5, 10)).only("subject")]
    expect(f"{tag} shared" in subjects, f"subjects in the owner's calendar: {subjects}")
    # Text fields (location, body) are fetched by GetItem through the account's root: subject and times only.
    found = [(i.subject, i.start) for i in calendar.filter(subject=f"{tag} shared").only("subject", "start")]
    expect_eq(found, [(f"{tag} shared", dt(2033, 5, 9, 9, 0))], "the owner's item found by subject")


c.run("reviewer_reads_other_calendar_as_delegate", reads, needs=["owner_grants_reviewer", "owner_creates_item"])


def cannot_write():
    acct = colleague()
    calendar = shared_calendar(acct)
    item = CalendarItem(account=acct, folder=calendar, subject=f"{tag} planted",
                        start=dt(2033, 5, 9, 11, 0), end=dt(2033, 5, 9, 12, 0))
    expect_raises(lambda: item.save(send_meeting_invitations=SEND_TO_NONE), "CreateItem by a Reviewer",
                  accept=lambda e: "AccessDenied" in type(e).__name__)
    shared = list(calendar.filter(subject=f"{tag} shared").only("subject"))[0]
    shared.subject = f"{tag} defaced"
    expect_raises(lambda: shared.save(update_fields=["subject"], send_meeting_invitations=SEND_TO_NONE),
                  "UpdateItem by a Reviewer", accept=lambda e: "AccessDenied" in type(e).__name__)
    expect_eq(owner.calendar.filter(subject__contains=tag).count(), 1, "items in the owner's calendar")


c.run("reviewer_may_not_write", cannot_write, needs=["owner_grants_reviewer", "owner_creates_item"])


def revoked():
    revoke()
    expect_raises(lambda: list(shared_calendar(colleague()).view(start=dt(2033, 5, 9), end=dt(2033, 5, 10)).only("subject")),
                  "the owner's calendar once the permission is taken back")


c.run("revoked_calendar_refused", revoked, needs=["owner_grants_reviewer"])

c.cleanup(revoke)
if "item" in state:
    c.cleanup(lambda: state["item"].delete(send_meeting_cancellations=SEND_TO_NONE))
c.finish()
