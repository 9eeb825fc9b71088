#!/usr/bin/python3
"""Delegates (issue 18 §2) as exchangelib reads them: `account.delegates` (GetDelegate with IncludePermissions) of a
mailbox without delegates, then with user2 added as user1's delegate (exchangelib has no AddDelegate or
RemoveDelegate, so those two are hand-written SOAP with HTTP Basic to RDV_URL), GetDelegate's errors as exchangelib's
own test_delegate expects them (ErrorInvalidUserSid, ErrorDelegateNoUser, ErrorNotDelegate), and user2 reading user1's
delegates (refused). user2 does not receive copies of meeting messages, so the other scripts' meetings are delivered
as before; the delegate is removed at the end."""
import xml.etree.ElementTree as ET

import requests
from exchangelib.errors import ErrorAccessDenied, ErrorDelegateNoUser, ErrorInvalidUserSid, ErrorNotDelegate
from exchangelib.properties import DLMailbox, UserId
from exchangelib.services import GetDelegate

from common import PASSWORD1, URL, USER1, USER2, Checks, account1, account2, expect, expect_eq, expect_raises

c = Checks()
acct1 = c.run("account1", lambda: account1())
acct2 = c.run("account2", lambda: account2())

TNS = "http://schemas.microsoft.com/exchange/services/2006/types"
MNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


def raw(user, password, body):
    envelope = (f'<?xml version="1.0" encoding="utf-8"?>'
                f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:t="{TNS}" xmlns:m="{MNS}">'
                f'<soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header>'
                f'<soap:Body>{body}</soap:Body></soap:Envelope>')
    r = requests.post(URL, data=envelope.encode("utf-8"), auth=(user, password), timeout=30,
                      headers={"Content-Type": "text/xml; charset=utf-8"})
    expect(r.status_code == 200, f"HTTP {r.status_code}: {r.text[:500]}")
    return ET.fromstring(r.content)


def user_codes(root):
    return [m.findtext(f"{{{MNS}}}ResponseCode") for m in root.iter(f"{{{MNS}}}DelegateUserResponseMessageType")]


def remove_user2():
    raw(USER1, PASSWORD1, f"<m:RemoveDelegate><m:Mailbox><t:EmailAddress>{USER1}</t:EmailAddress></m:Mailbox>"
                          f"<m:UserIds><t:UserId><t:PrimarySmtpAddress>{USER2}</t:PrimarySmtpAddress></t:UserId></m:UserIds>"
                          f"</m:RemoveDelegate>")


def none_yet():
    remove_user2()  # a run stopped half-way may have left it
    expect_eq(acct1.delegates, [], "user1's delegates")


c.run("delegates_none", none_yet, needs=["account1"])


def add_user2():
    root = raw(USER1, PASSWORD1, f"""
        <m:AddDelegate><m:Mailbox><t:EmailAddress>{USER1}</t:EmailAddress></m:Mailbox>
          <m:DelegateUsers><t:DelegateUser>
            <t:UserId><t:PrimarySmtpAddress>{USER2}</t:PrimarySmtpAddress></t:UserId>
            <t:DelegatePermissions><t:CalendarFolderPermissionLevel>Editor</t:CalendarFolderPermissionLevel>
              <t:InboxFolderPermissionLevel>Reviewer</t:InboxFolderPermissionLevel></t:DelegatePermissions>
            <t:ReceiveCopiesOfMeetingMessages>false</t:ReceiveCopiesOfMeetingMessages>
            <t:ViewPrivateItems>true</t:ViewPrivateItems>
          </t:DelegateUser></m:DelegateUsers>
          <m:DeliverMeetingRequests>DelegatesAndMe</m:DeliverMeetingRequests>
        </m:AddDelegate>""")
    expect_eq(user_codes(root), ["NoError"], "AddDelegate's per-user codes")


c.run("add_delegate", add_user2, needs=["delegates_none"])


def listed():
    delegates = acct1.delegates
    expect_eq(len(delegates), 1, "number of delegates")
    d = delegates[0]
    expect_eq((d.user_id.primary_smtp_address or "").lower(), USER2.lower(), "the delegate's address")
    expect(d.user_id.sid and d.user_id.sid.startswith("S-1-5-21-"), f"the delegate's SID: {d.user_id.sid!r}")
    expect(d.user_id.display_name, "the delegate's display name")
    expect_eq(d.view_private_items, True, "view_private_items")
    expect_eq(d.receive_copies_of_meeting_messages, False, "receive_copies_of_meeting_messages")
    expect(d.delegate_permissions is not None, "delegate_permissions (IncludePermissions)")
    expect_eq(d.delegate_permissions.calendar_folder_permission_level, "Editor", "calendar_folder_permission_level")
    expect_eq(d.delegate_permissions.inbox_folder_permission_level, "Reviewer", "inbox_folder_permission_level")
    expect_eq(d.delegate_permissions.tasks_folder_permission_level, "None", "tasks_folder_permission_level")
    return d


delegate = c.run("delegates_listed", listed, needs=["add_delegate"])


def by_sid():
    found = list(GetDelegate(account=acct1).call(user_ids=[UserId(sid=delegate.user_id.sid)], include_permissions=False))
    expect_eq(len(found), 1, "delegates found by SID")
    expect_eq((found[0].user_id.primary_smtp_address or "").lower(), USER2.lower(), "the delegate found by SID")


c.run("delegate_by_sid", by_sid, needs=["delegates_listed"])


def errors():
    # As exchangelib's own tests.test_account.AccountTest.test_delegate expects them.
    expect_raises(lambda: list(GetDelegate(account=acct1).call(user_ids=[UserId(sid="XXX")], include_permissions=True)),
                  "a SID that is none", accept=lambda e: isinstance(e, ErrorInvalidUserSid))
    expect_raises(lambda: list(GetDelegate(account=acct1).call(user_ids=["foo@example.com"], include_permissions=True)),
                  "an unknown user", accept=lambda e: isinstance(e, ErrorDelegateNoUser))
    expect_raises(lambda: list(GetDelegate(account=acct1).call(user_ids=[acct1.primary_smtp_address], include_permissions=True)),
                  "the owner", accept=lambda e: isinstance(e, ErrorNotDelegate))


c.run("get_delegate_errors", errors, needs=["account1"])


def others_refused():
    # user2's GetDelegate of user1's mailbox: user1's delegates are user1's to read.
    ws = GetDelegate(account=acct2)
    payload = ws.get_payload(user_ids=[None], mailbox=DLMailbox(email_address=USER1), include_permissions=True)
    expect_raises(lambda: list(ws._get_elements(payload=payload)), "user2 reading user1's delegates",
                  accept=lambda e: isinstance(e, ErrorAccessDenied))


c.run("others_delegates_refused", others_refused, needs=["account2", "add_delegate"])

c.cleanup(remove_user2)
c.finish()
