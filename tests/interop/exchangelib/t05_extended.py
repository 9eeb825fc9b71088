#!/usr/bin/python3
"""Extended properties on calendar items: a property-tag one, a PublicStrings named String one and a PublicStrings
named Integer one; set on create, read back, filter by them, update them, delete one, then deregister."""
from exchangelib import CalendarItem, ExtendedProperty
from exchangelib.items import SEND_TO_NONE

from common import Checks, account1, dt, expect, expect_eq, run_id

c = Checks()
tag = f"rdv-t05-{run_id()}"


class RdvTagged(ExtendedProperty):
    # PidTagNickname (0x3A4F, PT_UNICODE): a contact property, meaningless and harmless on an appointment.
    property_tag = 0x3A4F
    property_type = "String"


class RdvNamed(ExtendedProperty):
    distinguished_property_set_id = "PublicStrings"
    property_name = "RendezvousTest"
    property_type = "String"


class RdvCount(ExtendedProperty):
    distinguished_property_set_id = "PublicStrings"
    property_name = "RendezvousCount"
    property_type = "Integer"


FIELDS = {"rendezvous_tagged": RdvTagged, "rendezvous_test": RdvNamed, "rendezvous_count": RdvCount}


def register():
    for name, cls in FIELDS.items():
        CalendarItem.register(name, cls)


registered = c.run("register", register)
acct = c.run("account", lambda: account1())
state = {}


def create():
    item = CalendarItem(folder=acct.calendar, subject=f"{tag} a", start=dt(2030, 1, 7, 9, 0), end=dt(2030, 1, 7, 10, 0),
                        rendezvous_tagged=f"nick-{tag}", rendezvous_test=f"x-{tag}", rendezvous_count=41)
    item.save(send_meeting_invitations=SEND_TO_NONE)
    other = CalendarItem(folder=acct.calendar, subject=f"{tag} b", start=dt(2030, 1, 7, 11, 0), end=dt(2030, 1, 7, 12, 0),
                         rendezvous_test=f"y-{tag}", rendezvous_count=7)
    other.save(send_meeting_invitations=SEND_TO_NONE)
    plain = CalendarItem(folder=acct.calendar, subject=f"{tag} c", start=dt(2030, 1, 7, 13, 0), end=dt(2030, 1, 7, 14, 0))
    plain.save(send_meeting_invitations=SEND_TO_NONE)
    state.update(a=item, b=other, c=plain)


c.run("create_with_extended", create, needs=["register", "account"])


def read_back():
    got = acct.calendar.get(id=state["a"].id)
    expect_eq(got.rendezvous_tagged, f"nick-{tag}", "property-tag 0x3A4F")
    expect_eq(got.rendezvous_test, f"x-{tag}", "PublicStrings RendezvousTest")
    expect_eq(got.rendezvous_count, 41, "PublicStrings RendezvousCount (Integer)")
    plain = acct.calendar.get(id=state["c"].id)
    expect(plain.rendezvous_test is None, f"unset property came back as {plain.rendezvous_test!r}")
    expect(plain.rendezvous_count is None, f"unset Integer came back as {plain.rendezvous_count!r}")


c.run("read_back_extended", read_back, needs=["create_with_extended"])


def read_via_view():
    got = [i for i in acct.calendar.view(start=dt(2030, 1, 7), end=dt(2030, 1, 8)) if i.subject == f"{tag} a"]
    expect_eq(len(got), 1, "item in CalendarView")
    expect_eq(got[0].rendezvous_test, f"x-{tag}", "RendezvousTest via view()")
    expect_eq(got[0].rendezvous_count, 41, "RendezvousCount via view()")


c.run("read_extended_via_view", read_via_view, needs=["create_with_extended"])


def only_extended():
    got = list(acct.calendar.filter(subject=f"{tag} a").only("subject", "rendezvous_test"))
    expect_eq(len(got), 1, "items")
    expect_eq(got[0].rendezvous_test, f"x-{tag}", "RendezvousTest via only()")
    expect(got[0].rendezvous_count is None, "only() returned a property it did not ask for")


c.run("only_extended", only_extended, needs=["create_with_extended"])


def subjects(qs):
    return sorted(i.subject for i in qs)


def filter_named():
    expect_eq(subjects(acct.calendar.filter(rendezvous_test=f"x-{tag}")), [f"{tag} a"], "filter(rendezvous_test=x)")
    expect_eq(subjects(acct.calendar.filter(rendezvous_test=f"y-{tag}")), [f"{tag} b"], "filter(rendezvous_test=y)")
    expect_eq(acct.calendar.filter(rendezvous_test=f"z-{tag}").count(), 0, "filter(rendezvous_test=z) count")


c.run("filter_by_named_string", filter_named, needs=["create_with_extended"])


def filter_tagged():
    expect_eq(subjects(acct.calendar.filter(rendezvous_tagged=f"nick-{tag}")), [f"{tag} a"], "filter(rendezvous_tagged=)")


c.run("filter_by_property_tag", filter_tagged, needs=["create_with_extended"])


def filter_integer():
    mine = acct.calendar.filter(subject__startswith=tag)
    expect_eq(subjects(mine.filter(rendezvous_count=7)), [f"{tag} b"], "rendezvous_count=7")
    expect_eq(subjects(mine.filter(rendezvous_count__gt=10)), [f"{tag} a"], "rendezvous_count__gt=10 (numeric)")
    expect_eq(subjects(mine.filter(rendezvous_count__lt=10)), [f"{tag} b"], "rendezvous_count__lt=10 (numeric)")


c.run("filter_by_integer", filter_integer, needs=["create_with_extended"])


def filter_exists():
    mine = acct.calendar.filter(subject__startswith=tag)
    expect_eq(subjects(mine.filter(rendezvous_test__exists=True)), [f"{tag} a", f"{tag} b"], "rendezvous_test__exists=True")
    expect_eq(subjects(mine.filter(rendezvous_test__exists=False)), [f"{tag} c"], "rendezvous_test__exists=False")


c.run("filter_exists", filter_exists, needs=["create_with_extended"])


def order_by_integer():
    got = [i.subject for i in acct.calendar.filter(subject__startswith=tag, rendezvous_count__exists=True).order_by("-rendezvous_count")]
    expect_eq(got, [f"{tag} a", f"{tag} b"], "order_by('-rendezvous_count')")


c.run("order_by_extended", order_by_integer, needs=["create_with_extended"])


def update():
    item = state["a"]
    ck = item.changekey
    item.rendezvous_test = f"x2-{tag}"
    item.rendezvous_count = 42
    item.save(update_fields=["rendezvous_test", "rendezvous_count"], send_meeting_invitations=SEND_TO_NONE)
    expect(item.changekey != ck, "changekey unchanged")
    got = acct.calendar.get(id=item.id)
    expect_eq(got.rendezvous_test, f"x2-{tag}", "RendezvousTest after update")
    expect_eq(got.rendezvous_count, 42, "RendezvousCount after update")
    expect_eq(got.rendezvous_tagged, f"nick-{tag}", "0x3A4F untouched by the update")
    expect_eq(acct.calendar.filter(rendezvous_test=f"x-{tag}").count(), 0, "old value still matches")
    expect_eq(subjects(acct.calendar.filter(rendezvous_test=f"x2-{tag}")), [f"{tag} a"], "new value matches")


c.run("update_extended", update, needs=["create_with_extended"])


def set_on_plain():
    item = state["c"]
    item.rendezvous_test = f"w-{tag}"
    item.save(update_fields=["rendezvous_test"], send_meeting_invitations=SEND_TO_NONE)
    expect_eq(acct.calendar.get(id=item.id).rendezvous_test, f"w-{tag}", "property added by update")


c.run("update_adds_extended", set_on_plain, needs=["create_with_extended"])


def delete_prop():
    item = state["b"]
    item.rendezvous_count = None
    item.save(update_fields=["rendezvous_count"], send_meeting_invitations=SEND_TO_NONE)
    got = acct.calendar.get(id=item.id)
    expect(got.rendezvous_count is None, f"RendezvousCount after DeleteItemField: {got.rendezvous_count!r}")
    expect_eq(got.rendezvous_test, f"y-{tag}", "RendezvousTest untouched")


c.run("delete_extended", delete_prop, needs=["create_with_extended"])


def deregister():
    for name in FIELDS:
        CalendarItem.deregister(name)
    expect(not hasattr(CalendarItem, "rendezvous_test") or "rendezvous_test" not in
           [f.name for f in CalendarItem.FIELDS], "still registered")
    # The items still read fine without the registration.
    got = acct.calendar.get(id=state["a"].id)
    expect_eq(got.subject, f"{tag} a", "subject after deregister")


c.run("deregister", deregister, needs=["register", "create_with_extended"])

if acct is not None and state:
    c.cleanup(lambda: acct.bulk_delete(list(state.values()), send_meeting_cancellations=SEND_TO_NONE))
c.finish()
