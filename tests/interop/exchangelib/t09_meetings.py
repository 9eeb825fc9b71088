#!/usr/bin/python3
"""The meeting workflow between two mailboxes, following the propose-new-time figure of the EWS documentation
("Propose a new meeting time by using EWS in Exchange"): user1 (organizer) invites user2 (attendee) to a meeting that
allows new time proposals; user2 finds the request, sees ProposeNewTime among its ResponseObjects and answers
Tentative with a proposal; user1 receives the MeetingResponse with ProposedStart/ProposedEnd and
AssociatedCalendarItemId and moves the meeting to the proposed time, sending the update to all; user2 accepts the
update; user1 receives the acceptance. Then: error paths (the organizer accepting, a proposal where none is allowed),
a cancellation with RemoveItem, and a decline.

exchangelib has no access to item:ResponseObjects, to AttendeeType.ProposedStart/ProposedEnd (Exchange2016+) or to
the RemoveItem response object (properties.RemoveItem exists only as a ResponseObjects child, it cannot be sent), so
those steps send hand-written SOAP with HTTP Basic to RDV_URL."""
import datetime
import logging
import sys
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr

import requests
from exchangelib import Attendee, CalendarItem, Mailbox
from exchangelib.errors import (ErrorCalendarIsCancelledForAccept, ErrorCalendarIsOrganizerForAccept,
                                ErrorInvalidOperation)
from exchangelib.items import (SEND_TO_ALL_AND_SAVE_COPY, SEND_TO_NONE, MeetingCancellation, MeetingRequest,
                               MeetingResponse)

from common import (PASSWORD1, PASSWORD2, URL, USER1, USER2, Checks, account1, account2, dt, expect, expect_eq, wait_for,
                    expect_raises, run_id)

c = Checks()
tag = f"rdv-t09-{run_id()}"
acct1 = c.run("account1", lambda: account1())
acct2 = c.run("account2", lambda: account2())
state = {}
log = logging.getLogger("t09.raw")

# Meeting 1 (the propose-new-time loop), its proposal, meeting 2 (no proposals allowed), meeting 3 (declined).
SUBJECT1, START1, END1 = f"{tag} planning", dt(2030, 1, 8, 10, 0), dt(2030, 1, 8, 11, 0)
PROPOSED_START, PROPOSED_END = dt(2030, 1, 9, 14, 0), dt(2030, 1, 9, 15, 0)
PROPOSAL_TEXT = f"Wednesday afternoon suits me better {tag}"
SUBJECT2, START2, END2 = f"{tag} fixed-time", dt(2030, 1, 10, 9, 0), dt(2030, 1, 10, 9, 30)
SUBJECT3, START3, END3 = f"{tag} to-decline", dt(2030, 1, 11, 13, 0), dt(2030, 1, 11, 14, 0)
CANCEL_TEXT = f"Called off {tag}"

REQUEST_CLASS = "IPM.Schedule.Meeting.Request"
TNS = "http://schemas.microsoft.com/exchange/services/2006/types"
MNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


# ---------------------------------------------------------------------------------------------------------------
# helpers

def tagged(folder, subject, cls=None, item_class=None):
    """Items in folder whose subject contains `subject` (responses and cancellations carry a prefix), optionally of
    one exchangelib class and one ItemClass."""
    items = folder.filter(subject__contains=subject)
    return [i for i in items
            if (cls is None or isinstance(i, cls)) and (item_class is None or i.item_class == item_class)]


def one(items, what):
    expect_eq(len(items), 1, f"number of {what}")
    return items[0]


def address(mailbox):
    return (mailbox.email_address or "").lower() if mailbox is not None else None


def attendee_row(item, who):
    rows = [a for a in (item.required_attendees or []) if address(a.mailbox) == who.lower()]
    expect_eq(len(rows), 1, f"rows for {who} among the required attendees")
    return rows[0]


def raw(user, password, body, version="Exchange2013_SP1"):
    """POST a hand-written SOAP request; returns the parsed envelope. HTTP 500 (a SOAP fault) raises."""
    envelope = (f'<?xml version="1.0" encoding="utf-8"?>'
                f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:t="{TNS}" xmlns:m="{MNS}">'
                f'<soap:Header><t:RequestServerVersion Version="{version}"/></soap:Header>'
                f'<soap:Body>{body}</soap:Body></soap:Envelope>')
    log.debug("raw request:\n%s", envelope)
    r = requests.post(URL, data=envelope.encode("utf-8"), auth=(user, password), timeout=30,
                      headers={"Content-Type": "text/xml; charset=utf-8"})
    log.debug("raw response %s:\n%s", r.status_code, r.text)
    expect(r.status_code == 200, f"HTTP {r.status_code}: {r.text[:500]}")
    return ET.fromstring(r.content)


def response_message(root, what):
    """The single ResponseMessage of the answer; must be Success."""
    msgs = [e for e in root.iter() if e.tag.startswith(f"{{{MNS}}}") and e.tag.endswith("ResponseMessage")]
    expect_eq(len(msgs), 1, f"{what}: number of ResponseMessages")
    m = msgs[0]
    code = m.findtext(f"{{{MNS}}}ResponseCode")
    expect(m.get("ResponseClass") == "Success",
           f"{what}: {m.get('ResponseClass')} {code}: {m.findtext(f'{{{MNS}}}MessageText')}")
    return m


def item_id_xml(item_id, changekey=None):
    ck = f" ChangeKey={quoteattr(changekey)}" if changekey else ""
    return f"<t:ItemId Id={quoteattr(item_id)}{ck}/>"


def response_objects(user, password, item_id):
    """GetItem IdOnly + item:ResponseObjects (as in the propose-new-time doc): the local names of the objects."""
    root = raw(user, password,
               "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
               '<t:FieldURI FieldURI="item:ResponseObjects"/></t:AdditionalProperties></m:ItemShape>'
               f"<m:ItemIds>{item_id_xml(item_id)}</m:ItemIds></m:GetItem>")
    m = response_message(root, "GetItem item:ResponseObjects")
    ro = m.find(f".//{{{TNS}}}ResponseObjects")
    return [] if ro is None else [child.tag.split("}")[1] for child in ro]


def parse_utc(text):
    if text is None:
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)


def aware(ewsdt):
    return datetime.datetime.fromtimestamp(ewsdt.timestamp(), tz=datetime.timezone.utc)


def invite(subject, start, end, allow_proposals):
    item = CalendarItem(account=acct1, folder=acct1.calendar, subject=subject, start=start, end=end,
                        body=f"Agenda for {subject}", allow_new_time_proposal=allow_proposals,
                        required_attendees=[Attendee(mailbox=Mailbox(email_address=USER2), response_type="Unknown")])
    item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    expect(item.id and item.changekey, "no id/changekey after save")
    return item


def organizer_item(key):
    return acct1.calendar.get(id=state[key])


def attendee_calendar_item(subject):
    return one(tagged(acct2.calendar, subject, CalendarItem), f"calendar items {subject!r} in user2's calendar")


def pending_request(subject):
    return wait_for(lambda: tagged(acct2.inbox, subject, MeetingRequest))


# ---------------------------------------------------------------------------------------------------------------
# 1. the organizer creates the meeting, allowing new time proposals

def create_meeting():
    state["org_id"] = invite(SUBJECT1, START1, END1, True).id


c.run("organizer_creates_meeting", create_meeting, needs=["account1", "account2"])


def organizer_item_after_create():
    item = organizer_item("org_id")
    expect_eq(item.subject, SUBJECT1, "subject")
    expect_eq(item.item_class, "IPM.Appointment", "item_class")
    expect_eq(item.is_meeting, True, "is_meeting")
    expect_eq(item.my_response_type, "Organizer", "my_response_type")
    expect_eq(item.meeting_request_was_sent, True, "meeting_request_was_sent")
    expect_eq(item.allow_new_time_proposal, True, "allow_new_time_proposal")
    expect_eq(address(item.organizer), USER1.lower(), "organizer")
    expect_eq(attendee_row(item, USER2).response_type, "Unknown", "user2's response_type before any reply")


c.run("organizer_item_is_meeting", organizer_item_after_create, needs=["organizer_creates_meeting"])


def organizer_sent_copy():
    got = tagged(acct1.sent, SUBJECT1, MeetingRequest)
    m = one(got, "MeetingRequest copies in user1's Sent Items")
    expect_eq(m.item_class, REQUEST_CLASS, "item_class of the sent copy")
    expect_eq(len(tagged(acct1.inbox, SUBJECT1)), 0, "items about the meeting in the organizer's own inbox")


c.run("organizer_sent_items_has_request", organizer_sent_copy, needs=["organizer_creates_meeting"])


# ---------------------------------------------------------------------------------------------------------------
# 2. the attendee receives the request; the meeting is already in their calendar

def attendee_request():
    got = wait_for(lambda: tagged(acct2.inbox, SUBJECT1))
    req = one(got, "items about the meeting in user2's inbox")
    expect_eq(type(req).__name__, "MeetingRequest", "exchangelib class")
    expect_eq(req.subject, SUBJECT1, "subject")
    expect_eq(req.item_class, REQUEST_CLASS, "item_class")
    expect_eq(req.meeting_request_type, "NewMeetingRequest", "meeting_request_type")
    expect(req.associated_calendar_item_id is not None and req.associated_calendar_item_id.id,
           "associated_calendar_item_id missing")
    expect_eq(req.start, START1, "start")
    expect_eq(req.end, END1, "end")
    expect_eq(address(req.organizer), USER1.lower(), "organizer")
    expect_eq(address(req.sender), USER1.lower(), "sender")
    expect_eq(req.allow_new_time_proposal, True, "allow_new_time_proposal")
    state["req1_id"] = req.id


c.run("attendee_receives_request", attendee_request, needs=["organizer_creates_meeting"])


def attendee_tentative_item():
    item = attendee_calendar_item(SUBJECT1)
    expect_eq(item.my_response_type, "NoResponseReceived", "my_response_type")
    expect_eq(item.legacy_free_busy_status, "Tentative", "legacy_free_busy_status")
    expect_eq(item.is_meeting, True, "is_meeting")
    expect_eq((item.start, item.end), (START1, END1), "start/end")
    expect_eq(address(item.organizer), USER1.lower(), "organizer")
    req = acct2.inbox.get(id=state["req1_id"])
    expect_eq(req.associated_calendar_item_id.id, item.id, "the request's associated_calendar_item_id")
    state["att1_id"] = item.id


c.run("attendee_calendar_has_tentative_meeting", attendee_tentative_item, needs=["attendee_receives_request"])


# ---------------------------------------------------------------------------------------------------------------
# 3. ResponseObjects (raw GetItem): what each side may do

def attendee_request_objects():
    objs = response_objects(USER2, PASSWORD2, state["req1_id"])
    for name in ("AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ProposeNewTime"):
        expect(name in objs, f"{name} missing from the request's ResponseObjects {objs!r}")


c.run("response_objects_request_offers_propose_new_time", attendee_request_objects,
      needs=["attendee_receives_request"])


def attendee_item_objects():
    objs = response_objects(USER2, PASSWORD2, state["att1_id"])
    for name in ("AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ProposeNewTime"):
        expect(name in objs, f"{name} missing from the attendee's calendar item ResponseObjects {objs!r}")
    expect("CancelCalendarItem" not in objs, f"CancelCalendarItem offered to an attendee: {objs!r}")


c.run("response_objects_attendee_calendar_item", attendee_item_objects,
      needs=["attendee_calendar_has_tentative_meeting"])


def organizer_objects():
    objs = response_objects(USER1, PASSWORD1, state["org_id"])
    expect("CancelCalendarItem" in objs, f"CancelCalendarItem missing from the organizer's ResponseObjects {objs!r}")
    for name in ("AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ProposeNewTime"):
        expect(name not in objs, f"{name} offered to the organizer: {objs!r}")


c.run("response_objects_organizer_can_only_cancel", organizer_objects, needs=["organizer_creates_meeting"])


# ---------------------------------------------------------------------------------------------------------------
# 4. the attendee answers Tentative with a proposal

def propose():
    req = acct2.inbox.get(id=state["req1_id"])
    # TentativelyAcceptItem takes body, proposed_start, proposed_end; message_disposition defaults to
    # SendAndSaveCopy (SavedItemFolderId sentitems).
    result = req.tentatively_accept(body=PROPOSAL_TEXT, proposed_start=PROPOSED_START, proposed_end=PROPOSED_END)
    expect(result, f"no result from tentatively_accept: {result!r}")


c.run("attendee_proposes_new_time", propose, needs=["attendee_receives_request"])


def request_moved():
    expect_eq(len(tagged(acct2.inbox, SUBJECT1, MeetingRequest)), 0, "MeetingRequests left in user2's inbox")
    got = tagged(acct2.trash, SUBJECT1, MeetingRequest)
    expect_eq(len(got), 1, "MeetingRequests in user2's Deleted Items")


c.run("attendee_request_moved_to_deleted_items", request_moved, needs=["attendee_proposes_new_time"])


def attendee_tentative():
    item = attendee_calendar_item(SUBJECT1)
    expect_eq(item.my_response_type, "Tentative", "my_response_type")
    expect_eq((item.start, item.end), (START1, END1), "start/end (a proposal does not move the attendee's copy)")
    state["att1_id"] = item.id


c.run("attendee_calendar_item_tentative", attendee_tentative, needs=["attendee_proposes_new_time"])


def attendee_sent_response():
    got = tagged(acct2.sent, SUBJECT1, MeetingResponse)
    m = one(got, "MeetingResponses in user2's Sent Items")
    expect_eq(m.item_class, "IPM.Schedule.Meeting.Resp.Tent", "item_class of the sent copy")


c.run("attendee_sent_items_has_response", attendee_sent_response, needs=["attendee_proposes_new_time"])


# ---------------------------------------------------------------------------------------------------------------
# 5. the organizer receives the proposal

def organizer_gets_proposal():
    got = wait_for(lambda: tagged(acct1.inbox, SUBJECT1, MeetingResponse))
    m = one(got, "MeetingResponses in user1's inbox")
    expect_eq(m.item_class, "IPM.Schedule.Meeting.Resp.Tent", "item_class")
    expect_eq(m.proposed_start, PROPOSED_START, "proposed_start")
    expect_eq(m.proposed_end, PROPOSED_END, "proposed_end")
    expect(m.associated_calendar_item_id is not None, "associated_calendar_item_id missing")
    expect_eq(m.associated_calendar_item_id.id, state["org_id"], "associated_calendar_item_id")
    expect(PROPOSAL_TEXT in str(m.body or ""), f"body {str(m.body)!r} lacks the attendee's text")
    expect_eq(address(m.sender), USER2.lower(), "sender")
    # What the doc's organizer does next: open the calendar item through AssociatedCalendarItemId.
    expect_eq(acct1.calendar.get(id=m.associated_calendar_item_id.id).subject, SUBJECT1,
              "subject of the item behind associated_calendar_item_id")


c.run("organizer_receives_proposal", organizer_gets_proposal, needs=["attendee_proposes_new_time"])


def organizer_tracks_tentative():
    row = attendee_row(organizer_item("org_id"), USER2)
    expect_eq(row.response_type, "Tentative", "user2's response_type")
    expect(row.last_response_time is not None, "last_response_time not set")


c.run("organizer_item_tracks_tentative", organizer_tracks_tentative, needs=["attendee_proposes_new_time"])


def organizer_tracks_proposal_2016():
    # AttendeeType.ProposedStart/ProposedEnd: Exchange 2016+ only ([MS-OXWSMTGS] R1334/R1336); exchangelib's
    # Attendee has no such fields, so ask with a raw GetItem versioned Exchange2016.
    root = raw(USER1, PASSWORD1,
               "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
               '<t:FieldURI FieldURI="calendar:RequiredAttendees"/></t:AdditionalProperties></m:ItemShape>'
               f"<m:ItemIds>{item_id_xml(state['org_id'])}</m:ItemIds></m:GetItem>", version="Exchange2016")
    m = response_message(root, "GetItem calendar:RequiredAttendees")
    rows = [a for a in m.iter(f"{{{TNS}}}Attendee")
            if (a.findtext(f"{{{TNS}}}Mailbox/{{{TNS}}}EmailAddress") or "").lower() == USER2.lower()]
    expect_eq(len(rows), 1, "Attendee rows for user2")
    expect_eq(parse_utc(rows[0].findtext(f"{{{TNS}}}ProposedStart")), aware(PROPOSED_START), "Attendee ProposedStart")
    expect_eq(parse_utc(rows[0].findtext(f"{{{TNS}}}ProposedEnd")), aware(PROPOSED_END), "Attendee ProposedEnd")


c.run("organizer_item_tracks_proposal_exchange2016", organizer_tracks_proposal_2016,
      needs=["attendee_proposes_new_time"])


# ---------------------------------------------------------------------------------------------------------------
# 6. the organizer takes the proposal: new times, update sent to all

def organizer_updates():
    item = organizer_item("org_id")
    item.start, item.end = PROPOSED_START, PROPOSED_END
    item.save(update_fields=["start", "end"], send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    got = organizer_item("org_id")
    expect_eq((got.start, got.end), (PROPOSED_START, PROPOSED_END), "organizer's start/end after the update")
    state["org_id"] = got.id


c.run("organizer_moves_meeting_to_proposal", organizer_updates, needs=["organizer_receives_proposal"])


def organizer_sent_update():
    got = tagged(acct1.sent, SUBJECT1, MeetingRequest)
    expect_eq(len(got), 2, "MeetingRequest copies in user1's Sent Items (invitation and update)")


c.run("organizer_sent_items_has_update", organizer_sent_update, needs=["organizer_moves_meeting_to_proposal"])


def attendee_gets_update():
    got = pending_request(SUBJECT1)
    req = one(got, "MeetingRequests in user2's inbox")
    expect_eq(req.meeting_request_type, "FullUpdate", "meeting_request_type")
    expect_eq((req.start, req.end), (PROPOSED_START, PROPOSED_END), "start/end of the update")
    expect_eq(req.item_class, REQUEST_CLASS, "item_class")
    expect_eq(req.is_out_of_date, False, "is_out_of_date of the new request")
    state["req1b_id"] = req.id


c.run("attendee_receives_update", attendee_gets_update, needs=["organizer_moves_meeting_to_proposal"])


def attendee_item_moved():
    item = attendee_calendar_item(SUBJECT1)
    expect_eq((item.start, item.end), (PROPOSED_START, PROPOSED_END), "start/end of user2's calendar item")
    in_old_slot = [i for i in acct2.calendar.view(start=START1, end=END1) if i.subject == SUBJECT1]
    expect_eq(len(in_old_slot), 0, "user2's calendar items in the old slot")
    in_new_slot = [i for i in acct2.calendar.view(start=PROPOSED_START, end=PROPOSED_END) if i.subject == SUBJECT1]
    expect_eq(len(in_new_slot), 1, "user2's calendar items in the new slot")
    state["att1_id"] = item.id


c.run("attendee_calendar_item_moved", attendee_item_moved, needs=["attendee_receives_update"])


def old_request_outdated():
    # The first request sits in Deleted Items since the proposal; a newer request for the meeting now exists.
    old = [r for r in tagged(acct2.trash, SUBJECT1, MeetingRequest) if r.meeting_request_type == "NewMeetingRequest"]
    req = one(old, "first MeetingRequests in user2's Deleted Items")
    expect_eq(req.is_out_of_date, True, "is_out_of_date of the first request")


c.run("attendee_old_request_out_of_date", old_request_outdated, needs=["attendee_receives_update"])


# ---------------------------------------------------------------------------------------------------------------
# 7. the attendee accepts the update; the organizer receives the acceptance

def attendee_accepts():
    acct2.inbox.get(id=state["req1b_id"]).accept()


c.run("attendee_accepts_update", attendee_accepts, needs=["attendee_receives_update"])


def attendee_item_accepted():
    item = attendee_calendar_item(SUBJECT1)
    expect_eq(item.my_response_type, "Accept", "my_response_type")
    expect_eq(item.legacy_free_busy_status, "Busy", "legacy_free_busy_status")
    expect_eq(len(tagged(acct2.inbox, SUBJECT1, MeetingRequest)), 0, "MeetingRequests left in user2's inbox")
    state["att1_id"] = item.id


c.run("attendee_calendar_item_accepted", attendee_item_accepted, needs=["attendee_accepts_update"])


def organizer_gets_accept():
    got = wait_for(lambda: tagged(acct1.inbox, SUBJECT1, MeetingResponse, "IPM.Schedule.Meeting.Resp.Pos"))
    m = one(got, "Resp.Pos MeetingResponses in user1's inbox")
    expect_eq(m.proposed_start, None, "proposed_start of a plain acceptance")
    expect_eq(m.proposed_end, None, "proposed_end of a plain acceptance")
    expect(m.associated_calendar_item_id is not None, "associated_calendar_item_id missing")
    expect_eq(m.associated_calendar_item_id.id, state["org_id"], "associated_calendar_item_id")


c.run("organizer_receives_acceptance", organizer_gets_accept, needs=["attendee_accepts_update"])


def organizer_tracks_accept():
    expect_eq(attendee_row(organizer_item("org_id"), USER2).response_type, "Accept", "user2's response_type")


c.run("organizer_item_tracks_accept", organizer_tracks_accept, needs=["attendee_accepts_update"])


# ---------------------------------------------------------------------------------------------------------------
# 8. error paths

def organizer_cannot_accept():
    item = organizer_item("org_id")
    before = len(tagged(acct1.inbox, SUBJECT1, MeetingResponse))
    expect_raises(item.accept, "the organizer accepting their own meeting",
                  accept=lambda e: isinstance(e, ErrorCalendarIsOrganizerForAccept))
    expect_eq(len(tagged(acct1.inbox, SUBJECT1, MeetingResponse)), before, "MeetingResponses in user1's inbox")
    expect_eq(organizer_item("org_id").my_response_type, "Organizer", "my_response_type afterwards")


c.run("organizer_accept_refused", organizer_cannot_accept, needs=["organizer_moves_meeting_to_proposal"])


def create_fixed():
    state["org2_id"] = invite(SUBJECT2, START2, END2, False).id
    expect_eq(organizer_item("org2_id").allow_new_time_proposal, False, "allow_new_time_proposal read back")
    req = one(pending_request(SUBJECT2), "MeetingRequests in user2's inbox")
    expect_eq(req.allow_new_time_proposal, False, "allow_new_time_proposal on the request")
    state["req2_id"] = req.id


c.run("meeting_without_proposals_delivered", create_fixed, needs=["account1", "account2"])


def fixed_objects():
    objs = response_objects(USER2, PASSWORD2, state["req2_id"])
    expect("AcceptItem" in objs, f"AcceptItem missing from the request's ResponseObjects {objs!r}")
    expect("ProposeNewTime" not in objs, f"ProposeNewTime offered although proposals are not allowed: {objs!r}")


c.run("response_objects_no_propose_new_time", fixed_objects, needs=["meeting_without_proposals_delivered"])


def fixed_proposal_refused():
    req = acct2.inbox.get(id=state["req2_id"])
    expect_raises(lambda: req.tentatively_accept(body="later?", proposed_start=dt(2030, 1, 10, 16, 0),
                                                 proposed_end=dt(2030, 1, 10, 16, 30)),
                  "a proposal on a meeting that does not allow them",
                  accept=lambda e: isinstance(e, ErrorInvalidOperation))
    time.sleep(1.0)
    expect_eq(len(tagged(acct1.inbox, SUBJECT2)), 0, "items about the meeting delivered to user1")
    expect_eq(len(tagged(acct2.sent, SUBJECT2)), 0, "items about the meeting in user2's Sent Items")
    expect_eq(len(tagged(acct2.inbox, SUBJECT2, MeetingRequest)), 1, "MeetingRequests still in user2's inbox")
    expect_eq(attendee_calendar_item(SUBJECT2).my_response_type, "NoResponseReceived",
              "user2's my_response_type afterwards")
    expect_eq(attendee_row(organizer_item("org2_id"), USER2).response_type, "Unknown",
              "user2's response_type on the organizer's item afterwards")


c.run("proposal_refused_when_not_allowed", fixed_proposal_refused, needs=["meeting_without_proposals_delivered"])


# ---------------------------------------------------------------------------------------------------------------
# 9. the organizer cancels; the attendee removes the cancelled meeting

def organizer_cancels():
    organizer_item("org_id").cancel(body=CANCEL_TEXT)


c.run("organizer_cancels_meeting", organizer_cancels, needs=["organizer_moves_meeting_to_proposal"])


def organizer_calendar_after_cancel():
    # CancelCalendarItem sends the cancellations and deletes the meeting ("Delete appointments and cancel meetings
    # by using EWS in Exchange").
    expect_eq(len(tagged(acct1.calendar, SUBJECT1, CalendarItem)), 0, "meetings left in user1's calendar")
    expect_eq(len(tagged(acct1.sent, SUBJECT1, MeetingCancellation)), 1, "MeetingCancellations in user1's Sent Items")


c.run("organizer_meeting_removed_by_cancel", organizer_calendar_after_cancel, needs=["organizer_cancels_meeting"])


def attendee_gets_cancellation():
    got = wait_for(lambda: tagged(acct2.inbox, SUBJECT1, MeetingCancellation))
    m = one(got, "MeetingCancellations in user2's inbox")
    expect_eq(m.item_class, "IPM.Schedule.Meeting.Canceled", "item_class")
    expect(CANCEL_TEXT in str(m.body or ""), f"body {str(m.body)!r} lacks the organizer's text")
    expect_eq(address(m.sender), USER1.lower(), "sender")
    state["cancel1_id"], state["cancel1_ck"] = m.id, m.changekey


c.run("attendee_receives_cancellation", attendee_gets_cancellation, needs=["organizer_cancels_meeting"])


def attendee_item_cancelled():
    item = attendee_calendar_item(SUBJECT1)
    expect_eq(item.is_cancelled, True, "is_cancelled")
    state["att1_id"] = item.id


c.run("attendee_calendar_item_cancelled", attendee_item_cancelled, needs=["attendee_receives_cancellation"])


def accept_cancelled():
    item = acct2.calendar.get(id=state["att1_id"])
    expect_raises(item.accept, "accepting a cancelled meeting",
                  accept=lambda e: isinstance(e, ErrorCalendarIsCancelledForAccept))


c.run("accept_cancelled_refused", accept_cancelled, needs=["attendee_calendar_item_cancelled"])


def remove_item():
    # exchangelib 4.9 cannot send RemoveItem (properties.RemoveItem is only a ResponseObjects child), so send the
    # CreateItem by hand, without MessageDisposition like the EWS Managed API's RemoveMeetingFromCalendar().
    root = raw(USER2, PASSWORD2,
               "<m:CreateItem><m:Items><t:RemoveItem>"
               f"<t:ReferenceItemId Id={quoteattr(state['cancel1_id'])} ChangeKey={quoteattr(state['cancel1_ck'])}/>"
               "</t:RemoveItem></m:Items></m:CreateItem>")
    response_message(root, "CreateItem RemoveItem")
    expect_eq(len(tagged(acct2.calendar, SUBJECT1, CalendarItem)), 0, "meetings left in user2's calendar")


c.run("attendee_remove_item_clears_calendar", remove_item, needs=["attendee_calendar_item_cancelled"])


def remove_item_cancellation():
    # "remove the meeting item and corresponding meeting cancellation message" ([MS-OXWSMTGS] §3.1.4.2).
    expect_eq(len(tagged(acct2.inbox, SUBJECT1, MeetingCancellation)), 0, "MeetingCancellations left in user2's inbox")


c.run("attendee_remove_item_clears_cancellation", remove_item_cancellation,
      needs=["attendee_remove_item_clears_calendar"])


# ---------------------------------------------------------------------------------------------------------------
# 10. a decline

def decline():
    state["org3_id"] = invite(SUBJECT3, START3, END3, True).id
    req = one(pending_request(SUBJECT3), "MeetingRequests in user2's inbox")
    req.decline(body=f"Cannot make it {tag}")


c.run("attendee_declines", decline, needs=["account1", "account2"])


def declined_leaves_calendar():
    expect_eq(len(tagged(acct2.calendar, SUBJECT3, CalendarItem)), 0, "meetings left in user2's calendar")
    got = tagged(acct2.trash, SUBJECT3, CalendarItem)
    item = one(got, "declined meetings in user2's Deleted Items")
    expect_eq(item.my_response_type, "Decline", "my_response_type of the declined meeting")
    expect_eq(len(tagged(acct2.inbox, SUBJECT3, MeetingRequest)), 0, "MeetingRequests left in user2's inbox")
    expect_eq(len(tagged(acct2.trash, SUBJECT3, MeetingRequest)), 1, "MeetingRequests in user2's Deleted Items")
    expect_eq(len(tagged(acct2.sent, SUBJECT3, MeetingResponse)), 1, "MeetingResponses in user2's Sent Items")


c.run("declined_meeting_moves_to_deleted_items", declined_leaves_calendar, needs=["attendee_declines"])


def organizer_gets_decline():
    got = wait_for(lambda: tagged(acct1.inbox, SUBJECT3, MeetingResponse))
    m = one(got, "MeetingResponses in user1's inbox")
    expect_eq(m.item_class, "IPM.Schedule.Meeting.Resp.Neg", "item_class")
    expect_eq(m.proposed_start, None, "proposed_start")
    expect_eq(m.associated_calendar_item_id.id if m.associated_calendar_item_id else None, state["org3_id"],
              "associated_calendar_item_id")
    row = attendee_row(organizer_item("org3_id"), USER2)
    expect_eq(row.response_type, "Decline", "user2's response_type on the organizer's item")
    expect(row.last_response_time is not None, "last_response_time not set")


c.run("organizer_receives_decline", organizer_gets_decline, needs=["attendee_declines"])


# ---------------------------------------------------------------------------------------------------------------
# 11. clean up both mailboxes

def cleanup():
    for a in (acct1, acct2):
        for folder in (a.calendar, a.inbox, a.sent, a.trash):
            items = list(folder.filter(subject__contains=tag))
            for item in [i for i in items if isinstance(i, CalendarItem)]:
                item.delete(send_meeting_cancellations=SEND_TO_NONE)
            others = [i for i in items if not isinstance(i, CalendarItem)]
            if others:
                a.bulk_delete(others)
    left = [(a.primary_smtp_address, f.name, i.subject) for a in (acct1, acct2)
            for f in (a.calendar, a.inbox, a.sent, a.trash) for i in f.filter(subject__contains=tag)]
    if left:
        print(f"# cleanup left {len(left)} items: {left!r}", file=sys.stderr)


if acct1 is not None and acct2 is not None:
    c.cleanup(cleanup)
c.finish()
