'use strict';
/*
 * Recurring series as an EWS Managed API app drives them, through ews-javascript-api 0.15.3 (issue 16): every
 * pattern the library has (Daily, Weekly, absolute and relative Monthly and Yearly), NumberOfOccurrences and EndDate
 * ranges, Bind with Recurrence and FirstOccurrence/LastOccurrence, BindToOccurrence, BindToRecurringMaster,
 * FindAppointments over a CalendarView, an occurrence updated (it becomes an exception: ModifiedOccurrences) and one
 * deleted (DeletedOccurrences). The weekly series is in Paris ("Romance Standard Time") and crosses the start of summer time
 * (Sunday 2030-03-31): its occurrences keep 09:00 Paris time, 08:00 UTC before and 07:00 UTC after.
 *
 * Note: the port reads a pattern's Interval back as the element's text (a string: "2"), not a number; the steps
 * compare Number(Interval).
 * Note: as in j01, the port writes a wall-clock Start with "+00:00" (it does not convert from StartTimeZone), so a
 * series saved with Start 08:00 in Paris starts at 08:00 UTC, 09:00 Paris time; the server expands it in Paris time.
 */
const { ews, USER1, PASSWORD1, service, runId, utc, ms, Steps, assert, equal, masterProperties, viewOf, iso } = require('./common');

const Calendar = ews.WellKnownFolderName.Calendar;

/** Saves a one-hour series starting at `start` (UTC) with the pattern `makePattern(start.Date)` made by the caller. */
async function saveSeries(svc, subject, start, makePattern, range) {
  const appt = new ews.Appointment(svc);
  appt.Subject = subject;
  appt.Start = start;
  appt.End = start.AddHours(1);
  appt.Recurrence = makePattern(start.Date);
  range(appt.Recurrence);
  await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
  return appt.Id;
}

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const weekly = `Weekly Paris ${tag}`;

  await s.step('weekly_paris_save', async () => {
    const paris = ews.TimeZoneInfo.FindSystemTimeZoneById('Romance Standard Time');
    const appt = new ews.Appointment(alice);
    appt.Subject = weekly;
    appt.StartTimeZone = paris;
    appt.EndTimeZone = paris;
    appt.Start = ews.DateTime.Parse('2030-03-18T08:00:00', ews.DateTimeKind.Unspecified);
    appt.End = ews.DateTime.Parse('2030-03-18T09:00:00', ews.DateTimeKind.Unspecified);
    appt.Recurrence = new ews.Recurrence.WeeklyPattern(appt.Start.Date, 1, [ews.DayOfTheWeek.Monday]);
    appt.Recurrence.NumberOfOccurrences = 4;
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    assert(appt.Id && appt.Id.UniqueId, 'the saved series has an id');
    return appt.Id;
  });

  await s.step('weekly_bind_master', async () => {
    const master = await ews.Appointment.Bind(alice, s.value('weekly_paris_save'), masterProperties());
    equal(master.AppointmentType, ews.AppointmentType.RecurringMaster, 'AppointmentType');
    assert(master.Recurrence instanceof ews.Recurrence.WeeklyPattern, `a WeeklyPattern, got ${master.Recurrence && master.Recurrence.constructor.name}`);
    equal(Number(master.Recurrence.Interval), 1, 'Interval');
    equal(master.Recurrence.DaysOfTheWeek.Count, 1, 'DaysOfTheWeek.Count');
    equal(master.Recurrence.DaysOfTheWeek._getItem(0), ews.DayOfTheWeek.Monday, 'DaysOfTheWeek[0]');
    equal(master.Recurrence.NumberOfOccurrences, 4, 'NumberOfOccurrences');
    equal(master.StartTimeZone.Id, 'Romance Standard Time', 'StartTimeZone.Id');
    equal(iso(master.FirstOccurrence.Start), '2030-03-18T08:00', 'FirstOccurrence.Start');
    equal(iso(master.LastOccurrence.Start), '2030-04-08T07:00', 'LastOccurrence.Start (summer time)');
  }, ['weekly_paris_save']);

  await s.step('weekly_calendar_view_across_dst', async () => {
    const found = await viewOf(alice, weekly, utc(2030, 3, 1), utc(2030, 4, 30));
    equal(found.map((a) => iso(a.Start)).join(' '), '2030-03-18T08:00 2030-03-25T08:00 2030-04-01T07:00 2030-04-08T07:00', 'occurrence starts');
    assert(found.every((a) => a.AppointmentType === ews.AppointmentType.Occurrence), 'every one is an Occurrence');
    assert(found.every((a) => a.Id.UniqueId !== s.value('weekly_paris_save').UniqueId), 'occurrences have ids of their own');
  }, ['weekly_paris_save']);

  await s.step('bind_to_occurrence', async () => {
    const third = await ews.Appointment.BindToOccurrence(alice, s.value('weekly_paris_save'), 3);
    equal(third.AppointmentType, ews.AppointmentType.Occurrence, 'AppointmentType');
    equal(iso(third.Start), '2030-04-01T07:00', 'Start');
    equal(third.Subject, weekly, 'Subject');
    return third.Id;
  }, ['weekly_paris_save']);

  await s.step('bind_to_recurring_master', async () => {
    const master = await ews.Appointment.BindToRecurringMaster(alice, s.value('bind_to_occurrence'));
    equal(master.Id.UniqueId, s.value('weekly_paris_save').UniqueId, 'the master id');
    equal(master.AppointmentType, ews.AppointmentType.RecurringMaster, 'AppointmentType');
  }, ['bind_to_occurrence']);

  await s.step('bind_to_occurrence_out_of_range', async () => {
    try {
      await ews.Appointment.BindToOccurrence(alice, s.value('weekly_paris_save'), 9);
    } catch (error) {
      equal(ews.ServiceError[error.ErrorCode], 'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange', 'ErrorCode');
      return;
    }
    throw new Error('the ninth occurrence of a series of four was bound');
  }, ['weekly_paris_save']);

  await s.step('occurrence_update_becomes_exception', async () => {
    const second = await ews.Appointment.BindToOccurrence(alice, s.value('weekly_paris_save'), 2);
    second.Subject = `${weekly} moved`;
    second.Start = utc(2030, 3, 26, 10);
    second.End = utc(2030, 3, 26, 11);
    await second.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const again = await ews.Appointment.BindToOccurrence(alice, s.value('weekly_paris_save'), 2);
    equal(again.AppointmentType, ews.AppointmentType.Exception, 'AppointmentType');
    equal(iso(again.Start), '2030-03-26T10:00', 'Start');
    const master = await ews.Appointment.Bind(alice, s.value('weekly_paris_save'), masterProperties());
    equal(master.ModifiedOccurrences ? master.ModifiedOccurrences.Count : 0, 1, 'ModifiedOccurrences.Count');
    const modified = master.ModifiedOccurrences._getItem(0);
    equal(iso(modified.Start), '2030-03-26T10:00', 'ModifiedOccurrences[0].Start');
    equal(iso(modified.OriginalStart), '2030-03-25T08:00', 'ModifiedOccurrences[0].OriginalStart');
  }, ['weekly_paris_save']);

  await s.step('occurrence_delete', async () => {
    const fourth = await ews.Appointment.BindToOccurrence(alice, s.value('weekly_paris_save'), 4);
    await fourth.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
    const master = await ews.Appointment.Bind(alice, s.value('weekly_paris_save'), masterProperties());
    equal(master.DeletedOccurrences ? master.DeletedOccurrences.Count : 0, 1, 'DeletedOccurrences.Count');
    equal(iso(master.DeletedOccurrences._getItem(0).OriginalStart), '2030-04-08T07:00', 'DeletedOccurrences[0]');
    const found = await viewOf(alice, weekly, utc(2030, 3, 1), utc(2030, 4, 30));
    assert(!found.some((a) => iso(a.Start) === '2030-04-08T07:00'), 'the deleted occurrence is not in the view');
  }, ['weekly_paris_save']);

  await s.step('daily_end_date', async () => {
    const subject = `Daily ${tag}`;
    const id = await saveSeries(alice, subject, utc(2030, 5, 6, 7), (d) => new ews.Recurrence.DailyPattern(d, 2),
      (r) => { r.EndDate = ews.DateTime.Parse('2030-05-15T00:00:00', ews.DateTimeKind.Unspecified); });
    const master = await ews.Appointment.Bind(alice, id, masterProperties());
    assert(master.Recurrence instanceof ews.Recurrence.DailyPattern, 'a DailyPattern');
    equal(Number(master.Recurrence.Interval), 2, 'Interval');
    assert(master.Recurrence.HasEnd, 'HasEnd');
    equal(iso(master.Recurrence.EndDate).slice(0, 10), '2030-05-15', 'EndDate');
    equal(iso(master.LastOccurrence.Start), '2030-05-14T07:00', 'LastOccurrence.Start');
    const found = await viewOf(alice, subject, utc(2030, 5, 1), utc(2030, 6, 1));
    equal(found.map((a) => iso(a.Start).slice(0, 10)).join(' '), '2030-05-06 2030-05-08 2030-05-10 2030-05-12 2030-05-14', 'occurrence days');
  });

  await s.step('monthly_absolute', async () => {
    const id = await saveSeries(alice, `Monthly ${tag}`, utc(2030, 1, 15, 12), (d) => new ews.Recurrence.MonthlyPattern(d, 2, 15),
      (r) => { r.NumberOfOccurrences = 3; });
    const master = await ews.Appointment.Bind(alice, id, masterProperties());
    assert(master.Recurrence instanceof ews.Recurrence.MonthlyPattern, `a MonthlyPattern, got ${master.Recurrence && master.Recurrence.constructor.name}`);
    equal(master.Recurrence.DayOfMonth, 15, 'DayOfMonth');
    equal(Number(master.Recurrence.Interval), 2, 'Interval');
    equal(iso(master.LastOccurrence.Start), '2030-05-15T12:00', 'LastOccurrence.Start');
  });

  await s.step('monthly_relative', async () => {
    const subject = `Second Tuesday ${tag}`;
    const id = await saveSeries(alice, subject, utc(2030, 1, 8, 12),
      (d) => new ews.Recurrence.RelativeMonthlyPattern(d, 1, ews.DayOfTheWeek.Tuesday, ews.DayOfTheWeekIndex.Second),
      (r) => { r.NumberOfOccurrences = 3; });
    const master = await ews.Appointment.Bind(alice, id, masterProperties());
    assert(master.Recurrence instanceof ews.Recurrence.RelativeMonthlyPattern, `a RelativeMonthlyPattern, got ${master.Recurrence && master.Recurrence.constructor.name}`);
    equal(master.Recurrence.DayOfTheWeek, ews.DayOfTheWeek.Tuesday, 'DayOfTheWeek');
    equal(master.Recurrence.DayOfTheWeekIndex, ews.DayOfTheWeekIndex.Second, 'DayOfTheWeekIndex');
    const found = await viewOf(alice, subject, utc(2030, 1, 1), utc(2030, 4, 30));
    equal(found.map((a) => iso(a.Start).slice(0, 10)).join(' '), '2030-01-08 2030-02-12 2030-03-12', 'occurrence days');
  });

  await s.step('yearly_absolute', async () => {
    const id = await saveSeries(alice, `Yearly ${tag}`, utc(2030, 3, 18, 12), (d) => new ews.Recurrence.YearlyPattern(d, ews.Month.March, 18),
      (r) => { r.NumberOfOccurrences = 3; });
    const master = await ews.Appointment.Bind(alice, id, masterProperties());
    assert(master.Recurrence instanceof ews.Recurrence.YearlyPattern, `a YearlyPattern, got ${master.Recurrence && master.Recurrence.constructor.name}`);
    equal(master.Recurrence.Month, ews.Month.March, 'Month');
    equal(master.Recurrence.DayOfMonth, 18, 'DayOfMonth');
    equal(iso(master.LastOccurrence.Start), '2032-03-18T12:00', 'LastOccurrence.Start');
  });

  await s.step('yearly_relative', async () => {
    const id = await saveSeries(alice, `Thanksgiving ${tag}`, utc(2030, 11, 28, 17),
      (d) => new ews.Recurrence.RelativeYearlyPattern(d, ews.Month.November, ews.DayOfTheWeek.Thursday, ews.DayOfTheWeekIndex.Fourth),
      (r) => { r.NumberOfOccurrences = 2; });
    const master = await ews.Appointment.Bind(alice, id, masterProperties());
    assert(master.Recurrence instanceof ews.Recurrence.RelativeYearlyPattern, `a RelativeYearlyPattern, got ${master.Recurrence && master.Recurrence.constructor.name}`);
    equal(master.Recurrence.DayOfTheWeekIndex, ews.DayOfTheWeekIndex.Fourth, 'DayOfTheWeekIndex');
    equal(iso(master.LastOccurrence.Start), '2031-11-27T17:00', 'LastOccurrence.Start');
  });

  await s.step('series_delete', async () => {
    const master = await ews.Appointment.Bind(alice, s.value('weekly_paris_save'));
    await master.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
    const found = await viewOf(alice, weekly, utc(2030, 3, 1), utc(2030, 4, 30));
    equal(found.length, 0, 'occurrences left in the view');
  }, ['weekly_paris_save']);

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
