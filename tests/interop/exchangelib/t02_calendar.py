#!/usr/bin/python3
"""Calendar items: create with many fields, read back, CalendarView windows, filters, ordering, only(), paging,
count()."""
from exchangelib import CalendarItem
from exchangelib.items import SEND_TO_NONE
from exchangelib.properties import Body

from common import Checks, account1, dt, expect, expect_eq, run_id

c = Checks()
rid = run_id()
tag = f"rdv-t02-{rid}"
acct = c.run("account", lambda: account1())
created = []


def create():
    item = CalendarItem(
        folder=acct.calendar,
        subject=f"{tag} full",
        body=Body(f"Body of {tag}\nsecond line"),
        start=dt(2030, 1, 7, 9, 0),
        end=dt(2030, 1, 7, 10, 0),
        location="Room 42",
        categories=["Rendezvous", "Interop"],
        importance="High",
        reminder_is_set=True,
        reminder_minutes_before_start=30,
        legacy_free_busy_status="Tentative",
    )
    item.save(send_meeting_invitations=SEND_TO_NONE)
    expect(item.id, "no item id after save")
    expect(item.changekey, "no changekey after save")
    created.append(item)
    return item


full = c.run("create_calendar_item", create, needs=["account"])


def read_back():
    got = acct.calendar.get(id=full.id)
    expect_eq(got.id, full.id, "id")
    expect_eq(got.changekey, full.changekey, "changekey")
    expect_eq(got.subject, f"{tag} full", "subject")
    expect(got.body is not None, "body missing")
    expect_eq(str(got.body).replace("\r\n", "\n").strip(), f"Body of {tag}\nsecond line", "body")
    expect_eq(got.start, dt(2030, 1, 7, 9, 0), "start")
    expect_eq(got.end, dt(2030, 1, 7, 10, 0), "end")
    expect_eq(got.location, "Room 42", "location")
    expect_eq(sorted(got.categories or []), ["Interop", "Rendezvous"], "categories")
    expect_eq(got.importance, "High", "importance")
    expect_eq(got.reminder_is_set, True, "reminder_is_set")
    expect_eq(got.reminder_minutes_before_start, 30, "reminder_minutes_before_start")
    expect_eq(got.legacy_free_busy_status, "Tentative", "legacy_free_busy_status")
    expect_eq(got.is_all_day, False, "is_all_day")
    expect_eq(got.item_class, "IPM.Appointment", "item_class")
    expect(got.parent_folder_id is not None and got.parent_folder_id.id == acct.calendar.id,
           f"parent_folder_id {got.parent_folder_id!r} is not the calendar {acct.calendar.id!r}")
    expect(got.datetime_created is not None, "datetime_created missing")
    expect(got.last_modified_time is not None, "last_modified_time missing")


c.run("read_back_fields", read_back, needs=["create_calendar_item"])


# A few more items for view/filter/order/paging:
#   early:   2030-01-07 08:00-09:30 (ends exactly at the 09:30-11:30 window's start: Exchange includes it, as
#            exchangelib's own test_view records: "returns item1 even though there is no overlap")
#   full:    2030-01-07 09:00-10:00 (overlaps)
#   late:    2030-01-07 11:00-12:00 (overlaps)
#   next:    2030-01-08 09:00-10:00 (outside)
#   after:   2030-01-07 11:30-12:30 (starts exactly at window end: outside)
#   span:    2030-01-06 20:00 - 2030-01-08 08:00 (covers the whole window: overlaps)
SPECS = {
    "early": (dt(2030, 1, 7, 8, 0), dt(2030, 1, 7, 9, 30)),
    "late": (dt(2030, 1, 7, 11, 0), dt(2030, 1, 7, 12, 0)),
    "next": (dt(2030, 1, 8, 9, 0), dt(2030, 1, 8, 10, 0)),
    "after": (dt(2030, 1, 7, 11, 30), dt(2030, 1, 7, 12, 30)),
    "span": (dt(2030, 1, 6, 20, 0), dt(2030, 1, 8, 8, 0)),
}


def create_more():
    items = {}
    for name, (start, end) in SPECS.items():
        item = CalendarItem(folder=acct.calendar, subject=f"{tag} {name}", start=start, end=end)
        item.save(send_meeting_invitations=SEND_TO_NONE)
        created.append(item)
        items[name] = item
    return items


more = c.run("create_more_items", create_more, needs=["create_calendar_item"])


def names(items):
    return sorted(i.subject[len(tag) + 1:] for i in items if i.subject and i.subject.startswith(tag + " "))


def view():
    got = names(acct.calendar.view(start=dt(2030, 1, 7, 9, 30), end=dt(2030, 1, 7, 11, 30)))
    expect_eq(got, ["early", "full", "late", "span"], "items overlapping [09:30, 11:30), and the one ending at 09:30")


c.run("view_overlapping_window", view, needs=["create_more_items"])


def view_day():
    got = names(acct.calendar.view(start=dt(2030, 1, 8, 0, 0), end=dt(2030, 1, 9, 0, 0)))
    expect_eq(got, ["next", "span"], "items overlapping 2030-01-08")


c.run("view_next_day", view_day, needs=["create_more_items"])


def view_empty():
    got = names(acct.calendar.view(start=dt(2030, 1, 10, 0, 0), end=dt(2030, 1, 11, 0, 0)))
    expect_eq(got, [], "items on 2030-01-10")


c.run("view_empty_window", view_empty, needs=["create_more_items"])


def view_fields():
    got = [i for i in acct.calendar.view(start=dt(2030, 1, 7, 9, 30), end=dt(2030, 1, 7, 9, 45))
           if i.subject == f"{tag} full"]
    expect_eq(len(got), 1, "full item in view")
    i = got[0]
    expect_eq(i.id, full.id, "id from view")
    expect_eq(i.location, "Room 42", "location from view")
    expect_eq((i.start, i.end), (dt(2030, 1, 7, 9, 0), dt(2030, 1, 7, 10, 0)), "start/end from view")


c.run("view_returns_full_items", view_fields, needs=["create_more_items"])


def view_only():
    got = list(acct.calendar.view(start=dt(2030, 1, 7, 9, 30), end=dt(2030, 1, 7, 11, 30)).only("subject", "start"))
    mine = [i for i in got if i.subject and i.subject.startswith(tag)]
    expect_eq(len(mine), 4, "view().only() item count (early, full, late, span)")
    expect(all(i.location is None for i in mine), "only('subject','start') still returned location")


c.run("view_only", view_only, needs=["create_more_items"])


def filter_subject():
    got = list(acct.calendar.filter(subject=f"{tag} late"))
    expect_eq(len(got), 1, "filter(subject=) count")
    expect_eq(got[0].id, more["late"].id, "filter(subject=) id")


c.run("filter_subject_equals", filter_subject, needs=["create_more_items"])


def filter_contains():
    got = names(acct.calendar.filter(subject__contains=tag))
    expect_eq(got, sorted(["full"] + list(SPECS)), "filter(subject__contains=)")


c.run("filter_subject_contains", filter_contains, needs=["create_more_items"])


def filter_range():
    got = names(acct.calendar.filter(subject__contains=tag, start__gte=dt(2030, 1, 7, 9, 0), end__lte=dt(2030, 1, 7, 12, 0)))
    expect_eq(got, ["full", "late"], "filter(start__gte=09:00, end__lte=12:00)")


c.run("filter_start_gte_end_lte", filter_range, needs=["create_more_items"])


def filter_range_alone():
    # Without the subject restriction; other runs' items may be there too, so only check ours.
    got = names(acct.calendar.filter(start__gte=dt(2030, 1, 7, 9, 0), end__lte=dt(2030, 1, 7, 12, 0)))
    expect_eq(got, ["full", "late"], "filter(start__gte, end__lte) restricted to this run")


c.run("filter_date_range_only", filter_range_alone, needs=["create_more_items"])


def order_desc():
    got = [i.subject[len(tag) + 1:] for i in acct.calendar.filter(subject__contains=tag).order_by("-start")]
    expect_eq(got, ["next", "after", "late", "full", "early", "span"], "order_by('-start')")


c.run("order_by_start_desc", order_desc, needs=["create_more_items"])


def order_asc():
    got = [i.subject[len(tag) + 1:] for i in acct.calendar.filter(subject__contains=tag).order_by("start")]
    expect_eq(got, ["span", "early", "full", "late", "after", "next"], "order_by('start')")


c.run("order_by_start_asc", order_asc, needs=["create_more_items"])


def only_subject():
    got = list(acct.calendar.filter(subject__contains=tag).only("subject"))
    expect_eq(len(got), 6, "only('subject') count")
    for i in got:
        expect(i.subject and i.subject.startswith(tag), f"subject {i.subject!r}")
        expect(i.location is None, f"only('subject') returned location {i.location!r}")
        expect(i.start is None, f"only('subject') returned start {i.start!r}")


c.run("only_subject", only_subject, needs=["create_more_items"])


def values_list():
    got = sorted(acct.calendar.filter(subject__contains=tag).values_list("subject", flat=True))
    expect_eq(got, sorted(f"{tag} {n}" for n in ["full"] + list(SPECS)), "values_list('subject', flat=True)")


c.run("values_list_flat", values_list, needs=["create_more_items"])


def paging():
    qs = acct.calendar.filter(subject__contains=tag).order_by("start")
    page1 = [i.subject[len(tag) + 1:] for i in qs[0:2]]
    page2 = [i.subject[len(tag) + 1:] for i in qs[2:4]]
    page3 = [i.subject[len(tag) + 1:] for i in qs[4:10]]
    expect_eq(page1, ["span", "early"], "[0:2]")
    expect_eq(page2, ["full", "late"], "[2:4]")
    expect_eq(page3, ["after", "next"], "[4:10]")


c.run("paging_slices", paging, needs=["create_more_items"])


def paging_small_pages():
    # Force FindItem paging with a tiny page size: exchangelib follows IndexedPagingOffset/IncludesLastItemInRange.
    qs = acct.calendar.filter(subject__contains=tag).order_by("start")
    qs.page_size = 2
    got = [i.subject[len(tag) + 1:] for i in qs]
    expect_eq(got, ["span", "early", "full", "late", "after", "next"], "page_size=2 iteration")


c.run("paging_page_size_2", paging_small_pages, needs=["create_more_items"])


def count():
    expect_eq(acct.calendar.filter(subject__contains=tag).count(), 6, "count()")
    expect_eq(acct.calendar.filter(subject=f"{tag} nothing-has-this").count(), 0, "count() of no match")


c.run("count", count, needs=["create_more_items"])


def exists():
    expect_eq(acct.calendar.filter(subject=f"{tag} late").exists(), True, "exists()")


c.run("exists", exists, needs=["create_more_items"])


def get_by_filter():
    got = acct.calendar.get(subject=f"{tag} next")
    expect_eq(got.id, more["next"].id, "get(subject=) id")


c.run("get_by_subject", get_by_filter, needs=["create_more_items"])


def all_day():
    item = CalendarItem(folder=acct.calendar, subject=f"{tag} allday", is_all_day=True,
                        start=dt(2030, 1, 9), end=dt(2030, 1, 10))
    item.save(send_meeting_invitations=SEND_TO_NONE)
    created.append(item)
    got = acct.calendar.get(id=item.id)
    expect_eq(got.is_all_day, True, "is_all_day")


c.run("all_day_item", all_day, needs=["account"])

if acct is not None and created:
    c.cleanup(lambda: acct.bulk_delete(created, send_meeting_cancellations=SEND_TO_NONE))
c.finish()
