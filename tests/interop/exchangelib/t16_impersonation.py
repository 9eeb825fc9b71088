#!/usr/bin/python3
"""Impersonation (issue 18 §4): a service account granted impersonation of user1 and user2 (RDV_IMPERSONATOR,
`rdv user grant-impersonation ACCOUNT --for USER1,USER2`) works in their mailboxes with
Account(..., access_type=IMPERSONATION): it books a meeting as user1, accepts it as user2, and user1's tracking shows
the answer. Without the grant (user1's own credentials impersonating user2) exchangelib gets ErrorImpersonateUserDenied,
and so does the service account for a mailbox outside its list."""
import os

from exchangelib import BASIC, IMPERSONATION, Account, CalendarItem, Configuration, Credentials, Version
from exchangelib.items import SEND_ONLY_TO_ALL, SEND_TO_NONE

from common import (EXPLICIT_BUILD, PASSWORD1, URL, USER1, USER2, UTC, Checks, account1, dt, env, expect, expect_eq,
                    expect_raises, run_id, wait_for)

IMPERSONATOR = env("RDV_IMPERSONATOR")
IMPERSONATOR_PASSWORD = env("RDV_IMPERSONATOR_PASSWORD")

c = Checks()
tag = f"rdv-t16-{run_id()}"
state = {}


def impersonating(address, user=IMPERSONATOR, password=IMPERSONATOR_PASSWORD):
    config = Configuration(service_endpoint=URL, credentials=Credentials(user, password), auth_type=BASIC,
                           version=Version(build=EXPLICIT_BUILD))
    return Account(address, config=config, autodiscover=False, access_type=IMPERSONATION, default_timezone=UTC)


def creates_as_user1():
    as1 = impersonating(USER1)
    item = CalendarItem(folder=as1.calendar, subject=f"{tag} booked", start=dt(2031, 2, 3, 9, 0), end=dt(2031, 2, 3, 10, 0))
    item.save(send_meeting_invitations=SEND_TO_NONE)
    own = list(account1().calendar.filter(subject__contains=f"{tag} booked"))
    expect_eq(len(own), 1, "items user1 sees in their own calendar")


c.run("impersonation_creates_in_user1_calendar", creates_as_user1)


def books_meeting():
    as1 = impersonating(USER1)
    meeting = CalendarItem(folder=as1.calendar, subject=f"{tag} meeting", start=dt(2031, 2, 4, 9, 0), end=dt(2031, 2, 4, 10, 0),
                           required_attendees=[USER2])
    meeting.save(send_meeting_invitations=SEND_ONLY_TO_ALL)
    state["meeting"] = meeting


c.run("impersonation_organizes_as_user1", books_meeting)


def accepts_as_user2():
    as2 = impersonating(USER2)
    requests = wait_for(lambda: as2.inbox.filter(subject__contains=f"{tag} meeting"))
    expect_eq(len(requests), 1, "meeting requests in user2's inbox")
    expect_eq(requests[0].author.email_address.lower(), USER1.lower(), "the request's From")
    requests[0].accept()


c.run("impersonation_accepts_as_user2", accepts_as_user2, needs=["impersonation_organizes_as_user1"])


def tracking_shows_answer():
    as1 = impersonating(USER1)
    meeting = as1.calendar.get(id=state["meeting"].id)
    answers = {a.mailbox.email_address.lower(): a.response_type for a in meeting.required_attendees}
    expect_eq(answers.get(USER2.lower()), "Accept", "user2's answer in user1's tracking")


c.run("organizer_tracking_shows_the_answer", tracking_shows_answer, needs=["impersonation_accepts_as_user2"])


def free_busy_of_user1():
    # Note: exchangelib 4.9 sends GetUserAvailability from the protocol, never with the ExchangeImpersonation header,
    # so the service account asks as itself: it sees user1 busy, and none of user1's details.
    as1 = impersonating(USER1)
    start, end = dt(2031, 2, 3, 0, 0), dt(2031, 2, 4, 0, 0)
    info = list(as1.protocol.get_free_busy_info(accounts=[(as1, "Organizer", False)], start=start, end=end,
                                                merged_free_busy_interval=30, requested_view="Detailed"))
    events = info[0].calendar_events or []
    expect("Busy" in [e.busy_type for e in events], f"user1 busy at the booked time: {events!r}")
    expect(all(e.details is None for e in events), f"no details for the service account itself: {events!r}")


c.run("free_busy_of_user1_shows_busy_without_details", free_busy_of_user1, needs=["impersonation_creates_in_user1_calendar"])


def denied(e):
    return "ImpersonateUserDenied" in type(e).__name__ or "ImpersonateUserDenied" in str(e)


def no_grant():
    as2 = impersonating(USER2, USER1, PASSWORD1)
    expect_raises(lambda: list(as2.calendar.filter(subject__contains=tag)), "user1 impersonating user2", accept=denied)


c.run("without_the_grant_impersonation_is_denied", no_grant)


def outside_list():
    stranger = impersonating(f"nobody-{tag}@example.com")
    expect_raises(lambda: list(stranger.calendar.filter(subject__contains=tag)), "a mailbox outside the grant", accept=denied)


c.run("a_mailbox_outside_the_grant_is_denied", outside_list)


def cleanup():
    for item in account1().calendar.filter(subject__contains=tag):
        item.delete()


c.cleanup(cleanup)
c.finish()
