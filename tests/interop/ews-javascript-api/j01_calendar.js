'use strict';
/*
 * Calendar and meetings as an EWS Managed API app drives them, through ews-javascript-api 0.15.3: an organizer
 * (RDV_USER1) and an attendee (RDV_USER2). Fixed dates in the week of 2030-01-07 (UTC), a run tag in every subject.
 *
 * Note: ews-javascript-api cannot send an attendee's ProposedStart/ProposedEnd (its AcceptMeetingInvitationMessage
 * has no such properties), so the proposal is made with raw EWS (common.rawEws) and read back through the library.
 * Note: the library's FindItems with a SearchFilter needs an explicit FolderId; WellKnownFolderName alone is fine.
 */
const { ews, USER1, PASSWORD1, USER2, PASSWORD2, service, runId, utc, ms, Steps, assert, equal, waitFor, findByTag, rawEws } = require('./common');

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const bob = service(USER2, PASSWORD2);
  const Calendar = ews.WellKnownFolderName.Calendar;
  const Inbox = ews.WellKnownFolderName.Inbox;

  await s.step('appointment_save', async () => {
    const appt = new ews.Appointment(alice);
    appt.Subject = `Dentist ${tag}`;
    appt.Start = utc(2030, 1, 7, 9);
    appt.End = utc(2030, 1, 7, 10);
    appt.Location = 'Downtown';
    appt.Body = new ews.MessageBody(ews.BodyType.Text, 'Bring the forms');
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    assert(appt.Id && appt.Id.UniqueId, 'the saved appointment has an id');
    return appt.Id;
  });

  await s.step('appointment_bind_time_zones', async () => {
    const appt = await ews.Appointment.Bind(alice, s.value('appointment_save'));
    equal(appt.Subject, `Dentist ${tag}`, 'Subject');
    equal(ms(appt.Start), ms(utc(2030, 1, 7, 9)), 'Start');
    assert(appt.StartTimeZone !== null && appt.StartTimeZone !== undefined, 'StartTimeZone is not null');
    assert(appt.EndTimeZone !== null && appt.EndTimeZone !== undefined, 'EndTimeZone is not null');
    assert(typeof appt.StartTimeZone.Id === 'string' && appt.StartTimeZone.Id.length > 0, 'StartTimeZone has an Id');
  }, ['appointment_save']);

  await s.step('appointment_in_paris_bind_time_zones', async () => {
    const paris = ews.TimeZoneInfo.FindSystemTimeZoneById('Romance Standard Time');
    const appt = new ews.Appointment(alice);
    appt.Subject = `Paris ${tag}`;
    appt.StartTimeZone = paris;
    appt.EndTimeZone = paris;
    // Note: with StartTimeZone set, the port converts Start from that zone: it needs a wall-clock (Unspecified) time.
    appt.Start = ews.DateTime.Parse('2030-01-07T14:00:00', ews.DateTimeKind.Unspecified);
    appt.End = ews.DateTime.Parse('2030-01-07T15:00:00', ews.DateTimeKind.Unspecified);
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    const again = await ews.Appointment.Bind(alice, appt.Id);
    await again.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
    assert(again.StartTimeZone, 'StartTimeZone is not null');
    equal(again.StartTimeZone.Id, 'Romance Standard Time', 'StartTimeZone.Id');
    equal(again.EndTimeZone.Id, 'Romance Standard Time', 'EndTimeZone.Id');
    // Note: the port writes that wall-clock time with "+00:00" (it does not convert from StartTimeZone, unlike the
    // C# library), so the instant stored is 14:00 UTC; the server keeps what it was sent.
    equal(ms(again.Start), ms(utc(2030, 1, 7, 14)), 'Start');
  });

  await s.step('meeting_save_send_to_all', async () => {
    const meeting = new ews.Appointment(alice);
    meeting.Subject = `Planning ${tag}`;
    meeting.Start = utc(2030, 1, 8, 14);
    meeting.End = utc(2030, 1, 8, 15);
    meeting.Location = 'Room 1';
    meeting.RequiredAttendees.Add(USER2);
    await meeting.Save(Calendar, ews.SendInvitationsMode.SendToAllAndSaveCopy);
    return meeting.Id;
  });

  await s.step('meeting_bind_attendees', async () => {
    const meeting = await ews.Appointment.Bind(alice, s.value('meeting_save_send_to_all'));
    equal(meeting.RequiredAttendees.Count, 1, 'RequiredAttendees.Count');
    equal(meeting.RequiredAttendees._getItem(0).Address.toLowerCase(), USER2.toLowerCase(), 'attendee');
    assert(meeting.IsMeeting, 'IsMeeting');
    assert(meeting.StartTimeZone, 'StartTimeZone is not null');
  }, ['meeting_save_send_to_all']);

  await s.step('find_appointments_calendar_view', async () => {
    const view = new ews.CalendarView(utc(2030, 1, 7), utc(2030, 1, 14));
    const result = await alice.FindAppointments(Calendar, view);
    const mine = result.Items.filter((a) => a.Subject && a.Subject.includes(tag));
    equal(mine.length, 2, 'appointments of this run in the week');
    assert(mine.every((a) => a.Start && a.End), 'each has Start and End');
  }, ['appointment_save', 'meeting_save_send_to_all']);

  await s.step('attendee_receives_meeting_request', async () => {
    const requests = await waitFor(async () => (await findByTag(bob, Inbox, `Planning ${tag}`)).filter((i) => i instanceof ews.MeetingRequest));
    equal(requests.length, 1, 'meeting requests in the attendee Inbox');
    return requests[0].Id;
  }, ['meeting_save_send_to_all']);

  await s.step('meeting_update_send_to_all', async () => {
    const meeting = await ews.Appointment.Bind(alice, s.value('meeting_save_send_to_all'));
    meeting.Location = 'Room 2';
    await meeting.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToAllAndSaveCopy);
    const again = await ews.Appointment.Bind(alice, s.value('meeting_save_send_to_all'));
    equal(again.Location, 'Room 2', 'Location after update');
  }, ['meeting_save_send_to_all']);

  await s.step('meeting_move_to_new_time', async () => {
    const meeting = await ews.Appointment.Bind(alice, s.value('meeting_save_send_to_all'));
    meeting.Start = utc(2030, 1, 8, 16);
    meeting.End = utc(2030, 1, 8, 17);
    await meeting.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToAllAndSaveCopy);
    const again = await ews.Appointment.Bind(alice, s.value('meeting_save_send_to_all'));
    equal(ms(again.Start), ms(utc(2030, 1, 8, 16)), 'Start after the move');
  }, ['meeting_save_send_to_all']);

  await s.step('attendee_accept', async () => {
    const items = await waitFor(async () => {
      const found = (await findByTag(bob, Calendar, `Planning ${tag}`)).filter((i) => i instanceof ews.Appointment);
      return found.length > 0 && ms(found[0].Start) === ms(utc(2030, 1, 8, 16)) ? found : null;
    });
    assert(items, 'the attendee calendar holds the moved meeting');
    const appt = await ews.Appointment.Bind(bob, items[0].Id);
    const results = await appt.Accept(true);
    assert(results, 'CalendarActionResults');
    const organizer = await ews.Appointment.Bind(alice, s.value('meeting_save_send_to_all'));
    const row = organizer.RequiredAttendees._getItem(0);
    equal(ews.MeetingResponseType[row.ResponseType], 'Accept', 'the organizer sees the acceptance');
  }, ['meeting_move_to_new_time']);

  // Three meetings answered three ways from the attendee's Inbox.
  for (const [answer, method, expected] of [['tentative', 'AcceptTentatively', 'Tentative'], ['decline', 'Decline', 'Decline']]) {
    await s.step(`attendee_${answer}_from_request`, async () => {
      const meeting = new ews.Appointment(alice);
      meeting.Subject = `Answer ${answer} ${tag}`;
      meeting.Start = utc(2030, 1, 9, 10);
      meeting.End = utc(2030, 1, 9, 11);
      meeting.RequiredAttendees.Add(USER2);
      await meeting.Save(Calendar, ews.SendInvitationsMode.SendToAllAndSaveCopy);
      const requests = await waitFor(async () => (await findByTag(bob, Inbox, `Answer ${answer} ${tag}`)).filter((i) => i instanceof ews.MeetingRequest));
      assert(requests && requests.length === 1, 'one meeting request');
      const request = await ews.MeetingRequest.Bind(bob, requests[0].Id);
      await request[method](true);
      const organizer = await ews.Appointment.Bind(alice, meeting.Id);
      equal(ews.MeetingResponseType[organizer.RequiredAttendees._getItem(0).ResponseType], expected, 'the organizer sees the answer');
    });
  }

  await s.step('organizer_reads_proposed_new_time', async () => {
    const meeting = new ews.Appointment(alice);
    meeting.Subject = `Proposal ${tag}`;
    meeting.Start = utc(2030, 1, 10, 9);
    meeting.End = utc(2030, 1, 10, 10);
    meeting.RequiredAttendees.Add(USER2);
    await meeting.Save(Calendar, ews.SendInvitationsMode.SendToAllAndSaveCopy);
    const requests = await waitFor(async () => (await findByTag(bob, Inbox, `Proposal ${tag}`)).filter((i) => i instanceof ews.MeetingRequest));
    assert(requests && requests.length === 1, 'one meeting request');
    await rawEws(USER2, PASSWORD2, `<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:TentativelyAcceptItem>`
      + `<t:ReferenceItemId Id="${requests[0].Id.UniqueId}"/><t:ProposedStart>2030-01-10T13:00:00Z</t:ProposedStart><t:ProposedEnd>2030-01-10T14:00:00Z</t:ProposedEnd>`
      + `</t:TentativelyAcceptItem></m:Items></m:CreateItem>`);
    const responses = await waitFor(async () => (await findByTag(alice, Inbox, `Proposal ${tag}`)).filter((i) => i instanceof ews.MeetingResponse));
    assert(responses && responses.length === 1, 'one meeting response in the organizer Inbox');
    const response = await ews.MeetingResponse.Bind(alice, responses[0].Id);
    equal(ms(response.ProposedStart), ms(utc(2030, 1, 10, 13)), 'ProposedStart');
    equal(ms(response.ProposedEnd), ms(utc(2030, 1, 10, 14)), 'ProposedEnd');
  });

  await s.step('cancel_meeting', async () => {
    const meeting = await ews.Appointment.Bind(alice, s.value('meeting_save_send_to_all'));
    const results = await meeting.CancelMeeting('Called off');
    assert(results, 'CalendarActionResults');
  }, ['meeting_save_send_to_all']);

  await s.step('remove_meeting_from_calendar', async () => {
    const cancellations = await waitFor(async () => (await findByTag(bob, Inbox, `Planning ${tag}`)).filter((i) => i instanceof ews.MeetingCancellation));
    assert(cancellations && cancellations.length === 1, 'one cancellation in the attendee Inbox');
    const cancellation = await ews.MeetingCancellation.Bind(bob, cancellations[0].Id);
    const results = await cancellation.RemoveMeetingFromCalendar();
    assert(results, 'CalendarActionResults');
    const left = (await findByTag(bob, Calendar, `Planning ${tag}`)).filter((i) => i instanceof ews.Appointment);
    equal(left.length, 0, 'meetings left in the attendee calendar');
  }, ['cancel_meeting']);

  await s.step('appointment_delete', async () => {
    const appt = await ews.Appointment.Bind(alice, s.value('appointment_save'));
    await appt.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
  }, ['appointment_save']);

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
