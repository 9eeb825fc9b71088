#!/usr/bin/python3
"""Messages: a draft saved in Drafts and read back, updated; send() of a new message from user1 to user2 (CreateItem
SendAndSaveCopy / SendOnly), send() of a saved draft (SendItem); user2 finds the messages in the inbox."""
import time

from exchangelib import HTMLBody, Mailbox, Message
from exchangelib.properties import Body

from common import USER1, USER2, Checks, account1, account2, expect, expect_eq, run_id, wait_for

c = Checks()
tag = f"rdv-t06-{run_id()}"
acct = c.run("account1", lambda: account1())
acct2 = c.run("account2", lambda: account2())
state = {}


def addresses(recipients):
    return sorted((r.email_address or "").lower() for r in (recipients or []))


def save_draft():
    m = Message(account=acct, folder=acct.drafts, subject=f"{tag} draft", body=Body(f"Draft body {tag}"),
                to_recipients=[Mailbox(email_address=USER2)], importance="Normal")
    m.save()
    expect(m.id and m.changekey, "no id/changekey after save")
    state["draft"] = m


c.run("draft_save", save_draft, needs=["account1"])


def read_draft():
    got = acct.drafts.get(id=state["draft"].id)
    expect_eq(got.subject, f"{tag} draft", "subject")
    expect_eq(str(got.body).strip(), f"Draft body {tag}", "body")
    expect_eq(addresses(got.to_recipients), [USER2.lower()], "to_recipients")
    expect_eq(got.is_draft, True, "is_draft")
    expect_eq(got.item_class, "IPM.Note", "item_class")
    expect(got.parent_folder_id is not None and got.parent_folder_id.id == acct.drafts.id, "parent folder is not Drafts")
    found = list(acct.drafts.filter(subject=f"{tag} draft"))
    expect_eq(len(found), 1, "drafts.filter(subject=)")


c.run("draft_read_back", read_draft, needs=["draft_save"])


def update_draft():
    m = state["draft"]
    ck = m.changekey
    m.subject = f"{tag} draft2"
    m.cc_recipients = [Mailbox(email_address=USER1)]
    m.save(update_fields=["subject", "cc_recipients"])
    expect(m.changekey != ck, "changekey unchanged")
    got = acct.drafts.get(id=m.id)
    expect_eq(got.subject, f"{tag} draft2", "subject after update")
    expect_eq(addresses(got.cc_recipients), [USER1.lower()], "cc_recipients after update")


c.run("draft_update", update_draft, needs=["draft_save"])


def update_draft_full():
    # save() without update_fields: exchangelib sets/deletes every writable field.
    m = acct.drafts.get(id=state["draft"].id)
    m.subject = f"{tag} draft3"
    m.save()
    got = acct.drafts.get(id=m.id)
    expect_eq(got.subject, f"{tag} draft3", "subject after full save")
    expect_eq(addresses(got.to_recipients), [USER2.lower()], "to_recipients after full save")
    state["draft"] = got


c.run("draft_update_without_update_fields", update_draft_full, needs=["draft_save"])


def send_new():
    m = Message(account=acct, folder=acct.sent, subject=f"{tag} sent", body=HTMLBody(f"<p>Hello {tag}</p>"),
                to_recipients=[Mailbox(email_address=USER2)])
    m.send()  # new message with save_copy=True: CreateItem SendAndSaveCopy, SavedItemFolderId sentitems


c.run("send_new_message", send_new, needs=["account1"])


def received():
    got = wait_for(lambda: acct2.inbox.filter(subject=f"{tag} sent"))
    expect_eq(len(got), 1, "messages with the subject in user2's inbox")
    m = got[0]
    expect(f"Hello {tag}" in str(m.body), f"body {str(m.body)!r}")
    expect_eq((m.sender.email_address or "").lower() if m.sender else None, USER1.lower(), "sender")
    expect_eq((m.author.email_address or "").lower() if m.author else None, USER1.lower(), "from")
    expect_eq(addresses(m.to_recipients), [USER2.lower()], "to_recipients")
    expect_eq(m.is_read, False, "is_read")
    expect_eq(m.is_draft, False, "is_draft")
    expect(m.datetime_received is not None, "datetime_received missing")
    expect(m.parent_folder_id is not None and m.parent_folder_id.id == acct2.inbox.id, "parent folder is not the inbox")
    state["received"] = m


c.run("recipient_finds_in_inbox", received, needs=["send_new_message", "account2"])


def sent_copy():
    got = list(acct.sent.filter(subject=f"{tag} sent"))
    expect_eq(len(got), 1, "copies in user1's Sent Items")
    expect_eq(got[0].is_draft, False, "is_draft of the sent copy")
    expect_eq(acct.drafts.filter(subject=f"{tag} sent").count(), 0, "copies left in Drafts")


c.run("sender_keeps_copy_in_sent", sent_copy, needs=["send_new_message"])


def sender_inbox_clean():
    expect_eq(acct.inbox.filter(subject=f"{tag} sent").count(), 0, "copies in the sender's own inbox")


c.run("sender_inbox_not_delivered", sender_inbox_clean, needs=["send_new_message"])


def inbox_listing():
    # The way mail clients list a folder: IndexedPageItemView sorted by received time.
    got = [m.subject for m in acct2.inbox.all().order_by("-datetime_received")[:20]]
    expect(f"{tag} sent" in got, f"the new message is not among the 20 newest: {got!r}")


c.run("inbox_newest_first_listing", inbox_listing, needs=["recipient_finds_in_inbox"])


def mark_read():
    m = state["received"]
    m.is_read = True
    m.save(update_fields=["is_read"])
    expect_eq(acct2.inbox.get(id=m.id).is_read, True, "is_read after update")


c.run("recipient_marks_read", mark_read, needs=["recipient_finds_in_inbox"])


def send_only():
    m = Message(account=acct, subject=f"{tag} sendonly", body=Body("no copy"), to_recipients=[Mailbox(email_address=USER2)])
    m.send(save_copy=False)  # CreateItem SendOnly
    got = wait_for(lambda: acct2.inbox.filter(subject=f"{tag} sendonly"))
    expect_eq(len(got), 1, "messages in user2's inbox")
    expect_eq(acct.sent.filter(subject=f"{tag} sendonly").count(), 0, "copies in Sent Items with save_copy=False")


c.run("send_only_no_copy", send_only, needs=["account1", "account2"])


def send_draft():
    m = acct.drafts.get(id=state["draft"].id)
    subject = m.subject
    m.send()  # saved draft: SendItem with SavedItemFolderId sentitems
    got = wait_for(lambda: acct2.inbox.filter(subject=subject))
    expect_eq(len(got), 1, "messages in user2's inbox")
    expect_eq(acct.drafts.filter(subject=subject).count(), 0, "the sent draft is still in Drafts")
    expect_eq(acct.sent.filter(subject=subject).count(), 1, "copies in Sent Items")


c.run("send_saved_draft", send_draft, needs=["draft_save", "account2"])


def cleanup():
    for a in (acct, acct2):
        for folder in (a.inbox, a.sent, a.drafts):
            items = list(folder.filter(subject__startswith=tag))
            if items:
                a.bulk_delete(items)


if acct is not None and acct2 is not None:
    c.cleanup(cleanup)
c.finish()
