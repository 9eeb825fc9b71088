#!/usr/bin/python3
"""Recurring series with exchangelib: a weekly series created with CalendarItem(recurrence=...), its master fields,
occurrences from a CalendarView, master.occurrence(index) and occurrence.recurring_master(), one occurrence edited with
item.save() (an exception on the master) and one deleted, Daily with an EndDate, AbsoluteMonthly with no end,
RelativeYearly numbered, and a weekly series in Europe/Paris across the spring DST change."""
import datetime

from exchangelib import CalendarItem, EWSDate, EWSDateTime, EWSTimeZone
from exchangelib.fields import FOURTH, MONDAY, NOVEMBER, THURSDAY, WEDNESDAY
from exchangelib.items import SEND_TO_NONE
from exchangelib.recurrence import (AbsoluteMonthlyPattern, DailyPattern, EndDatePattern, NoEndPattern, NumberedPattern,
                                    Recurrence, RelativeYearlyPattern, WeeklyPattern)

from common import Checks, account1, dt, expect, expect_eq, run_id

c = Checks()
tag = f"rdv-t13-{run_id()}"
acct = c.run("account", lambda: account1())
PARIS, UTC = EWSTimeZone("Europe/Paris"), EWSTimeZone("UTC")
created = []
state = {}


def series(subject, start, end, recurrence):
    item = CalendarItem(folder=acct.calendar, subject=f"{tag} {subject}", start=start, end=end, recurrence=recurrence)
    item.save(send_meeting_invitations=SEND_TO_NONE)
    created.append(item)
    return item


def view(subject, start, end):
    """The view's items of one series, in start order (filtered here: Exchange refuses a restriction with a CalendarView)."""
    return sorted((i for i in acct.calendar.view(start=start, end=end) if i.subject == f"{tag} {subject}"), key=lambda i: i.start)


WEEKLY = [dt(2030, 1, d, 9) for d in (7, 9, 14, 16, 21, 23)]


def weekly_create():
    pattern = WeeklyPattern(interval=1, weekdays=[MONDAY, WEDNESDAY], first_day_of_week=MONDAY)
    item = series("weekly", dt(2030, 1, 7, 9), dt(2030, 1, 7, 10), Recurrence(pattern=pattern, start=EWSDate(2030, 1, 7), number=6))
    state["weekly"] = item.id
    master = acct.calendar.get(id=item.id)
    expect_eq(master.type, "RecurringMaster", "master type")
    expect(isinstance(master.recurrence.pattern, WeeklyPattern), f"pattern {master.recurrence.pattern!r}")
    # exchangelib reads DaysOfWeek back as ISO day numbers.
    expect_eq(master.recurrence.pattern.weekdays, [1, 3], "weekdays")
    expect(isinstance(master.recurrence.boundary, NumberedPattern), f"boundary {master.recurrence.boundary!r}")
    expect_eq(master.recurrence.boundary.number, 6, "number of occurrences")


c.run("weekly_series_create", weekly_create, needs=["account"])


def master_fields():
    master = acct.calendar.get(id=state["weekly"])
    expect_eq((master.first_occurrence.start, master.first_occurrence.end), (WEEKLY[0], WEEKLY[0] + datetime.timedelta(hours=1)), "first occurrence")
    expect_eq(master.last_occurrence.start, WEEKLY[-1], "last occurrence")
    expect_eq(master.modified_occurrences, None, "modified occurrences")
    expect_eq(master.deleted_occurrences, None, "deleted occurrences")


c.run("master_first_last_occurrence", master_fields, needs=["weekly_series_create"])


def view_occurrences():
    items = view("weekly", dt(2030, 1, 6), dt(2030, 1, 27))
    expect_eq([i.start for i in items], WEEKLY, "occurrence starts")
    expect_eq({i.type for i in items}, {"Occurrence"}, "types")
    expect_eq(len({i.id for i in items}), 6, "distinct occurrence ids")
    expect(state["weekly"] not in {i.id for i in items}, "the master is in the view")


c.run("calendar_view_expands_series", view_occurrences, needs=["weekly_series_create"])


def occurrence_by_index():
    master = acct.calendar.get(id=state["weekly"])
    third = master.occurrence(3)
    third.refresh()
    expect_eq(third.start, WEEKLY[2], "occurrence(3) start")
    expect_eq(third.type, "Occurrence", "occurrence(3) type")
    back = third.recurring_master()
    back.refresh()
    expect_eq(back.id, state["weekly"], "recurring_master() id")
    expect_eq(back.type, "RecurringMaster", "recurring_master() type")


c.run("occurrence_index_and_recurring_master", occurrence_by_index, needs=["weekly_series_create"])


def occurrence_edit():
    third = view("weekly", dt(2030, 1, 6), dt(2030, 1, 27))[2]
    third.subject = f"{tag} weekly moved"
    third.start += datetime.timedelta(hours=1)
    third.end += datetime.timedelta(hours=1)
    third.save(send_meeting_invitations=SEND_TO_NONE)
    master = acct.calendar.get(id=state["weekly"])
    expect_eq(len(master.modified_occurrences or []), 1, "modified occurrences")
    modified = master.modified_occurrences[0]
    expect_eq((modified.start, modified.original_start), (WEEKLY[2] + datetime.timedelta(hours=1), WEEKLY[2]), "exception times")
    expect_eq(modified.id, third.id, "exception id")
    got = acct.calendar.get(id=third.id)
    expect_eq((got.type, got.subject, got.original_start), ("Exception", f"{tag} weekly moved", WEEKLY[2]), "exception read back")
    expect_eq(master.subject, f"{tag} weekly", "the master's subject is unchanged")


c.run("occurrence_edit_becomes_exception", occurrence_edit, needs=["calendar_view_expands_series"])


def occurrence_delete():
    fifth = [i for i in view("weekly", dt(2030, 1, 6), dt(2030, 1, 27)) if i.start == WEEKLY[4]][0]
    fifth.delete(send_meeting_cancellations=SEND_TO_NONE)
    master = acct.calendar.get(id=state["weekly"])
    expect_eq([d.start for d in master.deleted_occurrences or []], [WEEKLY[4]], "deleted occurrences")
    left = view("weekly", dt(2030, 1, 6), dt(2030, 1, 27))
    expect_eq([i.start for i in left], [WEEKLY[0], WEEKLY[1], WEEKLY[3], WEEKLY[5]], "the view without the deleted one (the exception is renamed)")


c.run("occurrence_delete", occurrence_delete, needs=["calendar_view_expands_series"])


def daily_end_date():
    recurrence = Recurrence(pattern=DailyPattern(interval=2), start=EWSDate(2030, 1, 7), end=EWSDate(2030, 1, 13))
    item = series("daily", dt(2030, 1, 7, 14), dt(2030, 1, 7, 15), recurrence)
    master = acct.calendar.get(id=item.id)
    expect(isinstance(master.recurrence.boundary, EndDatePattern), f"boundary {master.recurrence.boundary!r}")
    expect_eq([i.start for i in view("daily", dt(2030, 1, 1), dt(2030, 2, 1))], [dt(2030, 1, d, 14) for d in (7, 9, 11, 13)], "every other day")


c.run("daily_end_date", daily_end_date, needs=["account"])


def monthly_no_end():
    recurrence = Recurrence(pattern=AbsoluteMonthlyPattern(interval=1, day_of_month=15), start=EWSDate(2030, 1, 15))
    item = series("monthly", dt(2030, 1, 15, 8), dt(2030, 1, 15, 9), recurrence)
    master = acct.calendar.get(id=item.id)
    expect(isinstance(master.recurrence.boundary, NoEndPattern), f"boundary {master.recurrence.boundary!r}")
    expect_eq(master.last_occurrence, None, "an open-ended series has no last occurrence")
    expect_eq([i.start for i in view("monthly", dt(2030, 1, 1), dt(2030, 4, 1))], [dt(2030, m, 15, 8) for m in (1, 2, 3)], "the 15th of each month")


c.run("absolute_monthly_no_end", monthly_no_end, needs=["account"])


def relative_yearly():
    pattern = RelativeYearlyPattern(weekday=THURSDAY, week_number=FOURTH, month=NOVEMBER)
    item = series("yearly", dt(2030, 11, 28, 17), dt(2030, 11, 28, 20), Recurrence(pattern=pattern, start=EWSDate(2030, 11, 28), number=3))
    master = acct.calendar.get(id=item.id)
    expect(isinstance(master.recurrence.pattern, RelativeYearlyPattern), f"pattern {master.recurrence.pattern!r}")
    # The fourth Thursday of November: 2030-11-28, 2031-11-27, 2032-11-25.
    expect_eq(master.last_occurrence.start, dt(2032, 11, 25, 17), "last occurrence")
    third = master.occurrence(2)
    third.refresh()
    expect_eq(third.start, dt(2031, 11, 27, 17), "occurrence(2)")


c.run("relative_yearly_numbered", relative_yearly, needs=["account"])


def paris_dst():
    # Paris goes to summer time on Sunday 2030-03-31: 09:00 Paris is 08:00Z before, 07:00Z after.
    start = EWSDateTime(2030, 3, 18, 9, 0, tzinfo=PARIS)
    pattern = WeeklyPattern(interval=1, weekdays=[MONDAY], first_day_of_week=MONDAY)
    series("paris", start, start + datetime.timedelta(minutes=30), Recurrence(pattern=pattern, start=EWSDate(2030, 3, 18), number=4))
    items = view("paris", dt(2030, 3, 17), dt(2030, 4, 14))
    expect_eq([i.start.astimezone(UTC).strftime("%m-%d %H:%M") for i in items], ["03-18 08:00", "03-25 08:00", "04-01 07:00", "04-08 07:00"], "UTC starts")
    expect_eq({i.start.astimezone(PARIS).hour for i in items}, {9}, "wall clock in Paris")


c.run("weekly_in_paris_across_dst", paris_dst, needs=["account"])


def series_delete():
    master = acct.calendar.get(id=state["weekly"])
    master.delete(send_meeting_cancellations=SEND_TO_NONE)
    created.remove([i for i in created if i.id == state["weekly"]][0])
    expect_eq(view("weekly", dt(2030, 1, 6), dt(2030, 1, 27)), [], "the series' view after the master was deleted")


c.run("series_delete", series_delete, needs=["weekly_series_create"])

c.cleanup(lambda: [i.delete(send_meeting_cancellations=SEND_TO_NONE) for i in created])
c.finish()
