'use strict';
/*
 * Messages, folders, synchronization, ids, availability and time zones as an EWS Managed API app uses them, through
 * ews-javascript-api 0.15.3: RDV_USER1 sends to RDV_USER2. Fixed dates in the week of 2030-01-07 (UTC).
 *
 * Note: the port's GetServerTimeZones turns each definition into a TimeZoneInfo; it is what the library's own
 * StartTimeZone handling reads, so its Id and its rules are checked here.
 */
const { ews, all, USER1, PASSWORD1, USER2, PASSWORD2, service, runId, utc, ms, Steps, assert, equal, waitFor, findByTag } = require('./common');

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const bob = service(USER2, PASSWORD2);
  const Inbox = ews.WellKnownFolderName.Inbox;
  const Calendar = ews.WellKnownFolderName.Calendar;

  await s.step('email_save_draft', async () => {
    const message = new ews.EmailMessage(alice);
    message.Subject = `Draft ${tag}`;
    message.Body = new ews.MessageBody(ews.BodyType.Text, 'Not yet');
    message.ToRecipients.Add(USER2);
    await message.Save(ews.WellKnownFolderName.Drafts);
    const again = await ews.EmailMessage.Bind(alice, message.Id);
    equal(again.Subject, `Draft ${tag}`, 'Subject');
    assert(again.IsDraft, 'IsDraft');
    await again.Delete(ews.DeleteMode.HardDelete);
  });

  await s.step('email_send_and_save_copy', async () => {
    const message = new ews.EmailMessage(alice);
    message.Subject = `Hello ${tag}`;
    // Note: the port writes an HTML body's markup unescaped (as child elements of t:Body), which fails schema
    // validation on any server; a Text body is what the port can send.
    message.Body = new ews.MessageBody(ews.BodyType.Text, 'Hello Bob');
    message.ToRecipients.Add(USER2);
    await message.SendAndSaveCopy();
    const sent = await waitFor(async () => (await findByTag(alice, ews.WellKnownFolderName.SentItems, `Hello ${tag}`)));
    equal(sent.length, 1, 'copies in Sent Items');
  });

  await s.step('email_bind_received', async () => {
    const received = await waitFor(async () => (await findByTag(bob, Inbox, `Hello ${tag}`)));
    equal(received.length, 1, 'messages in the recipient Inbox');
    const message = await ews.EmailMessage.Bind(bob, received[0].Id);
    equal(message.Subject, `Hello ${tag}`, 'Subject');
    equal(message.From.Address.toLowerCase(), USER1.toLowerCase(), 'From');
    assert(message.Body.Text.includes('Bob'), 'the body arrived');
    assert(!message.IsRead, 'a new message is unread');
    message.IsRead = true;
    await message.Update(ews.ConflictResolutionMode.AutoResolve);
    return received[0].Id;
  }, ['email_send_and_save_copy']);

  await s.step('email_reply', async () => {
    const message = await ews.EmailMessage.Bind(bob, s.value('email_bind_received'));
    await message.Reply(new ews.MessageBody(ews.BodyType.Text, 'Hi Alice'), false);
    const replies = await waitFor(async () => (await findByTag(alice, Inbox, `Hello ${tag}`)));
    assert(replies && replies.length === 1, 'the reply reached the sender');
    const reply = await ews.EmailMessage.Bind(alice, replies[0].Id);
    assert(reply.Subject.startsWith('RE:') || reply.Subject.startsWith('Re:'), `reply subject ${reply.Subject}`);
  }, ['email_bind_received']);

  await s.step('find_items_paged', async () => {
    const view = new ews.ItemView(1, 0, ews.OffsetBasePoint.Beginning);
    const first = await alice.FindItems(ews.WellKnownFolderName.SentItems, view);
    assert(first.Items.length === 1, 'one item on the first page');
    assert(first.TotalCount >= 1, 'TotalCount');
  }, ['email_send_and_save_copy']);

  await s.step('folder_bind_inbox', async () => {
    const inbox = await ews.Folder.Bind(alice, Inbox);
    assert(inbox.DisplayName && inbox.DisplayName.length > 0, 'DisplayName');
    assert(inbox.TotalCount >= 0, 'TotalCount');
  });

  await s.step('folder_create_find_delete', async () => {
    const folder = new ews.Folder(alice);
    folder.DisplayName = `Projects ${tag}`;
    await folder.Save(Inbox);
    const view = new ews.FolderView(100);
    view.Traversal = ews.FolderTraversal.Deep;
    const found = await alice.FindFolders(ews.WellKnownFolderName.MsgFolderRoot, view);
    assert(found.Folders.some((f) => f.DisplayName === `Projects ${tag}`), 'the new folder is found by a deep FindFolders');
    const bound = await ews.Folder.Bind(alice, folder.Id);
    equal(bound.DisplayName, `Projects ${tag}`, 'DisplayName');
    bound.DisplayName = `Renamed ${tag}`;
    await bound.Update();
    await bound.Delete(ews.DeleteMode.HardDelete);
  });

  await s.step('sync_folder_hierarchy', async () => {
    const changes = await alice.SyncFolderHierarchy(ews.PropertySet.FirstClassProperties, null);
    assert(changes.Count > 0, 'a first sync lists folders');
    assert(changes.SyncState && changes.SyncState.length > 0, 'SyncState');
  });

  await s.step('sync_folder_items', async () => {
    const calendar = new ews.FolderId(Calendar);
    const first = await alice.SyncFolderItems(calendar, ews.PropertySet.IdOnly, null, 512, ews.SyncFolderItemsScope.NormalItems, null);
    let state = first.SyncState;
    let more = first.MoreChangesAvailable;
    while (more) {
      const next = await alice.SyncFolderItems(calendar, ews.PropertySet.IdOnly, null, 512, ews.SyncFolderItemsScope.NormalItems, state);
      state = next.SyncState;
      more = next.MoreChangesAvailable;
    }
    const appt = new ews.Appointment(alice);
    appt.Subject = `Synced ${tag}`;
    appt.Start = utc(2030, 1, 11, 9);
    appt.End = utc(2030, 1, 11, 10);
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    const after = await alice.SyncFolderItems(calendar, ews.PropertySet.FirstClassProperties, null, 512, ews.SyncFolderItemsScope.NormalItems, state);
    const created = all(after).filter((c) => c.ChangeType === ews.ChangeType.Create);
    equal(created.length, 1, 'creates since the last sync');
    equal(created[0].ItemId.UniqueId, appt.Id.UniqueId, 'the created item');
    await appt.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
    const deleted = await alice.SyncFolderItems(calendar, ews.PropertySet.IdOnly, null, 512, ews.SyncFolderItemsScope.NormalItems, after.SyncState);
    equal(all(deleted).filter((c) => c.ChangeType === ews.ChangeType.Delete).length, 1, 'deletes since the last sync');
  });

  await s.step('convert_id', async () => {
    const appt = new ews.Appointment(alice);
    appt.Subject = `Convert ${tag}`;
    appt.Start = utc(2030, 1, 11, 11);
    appt.End = utc(2030, 1, 11, 12);
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    const converted = await alice.ConvertId(new ews.AlternateId(ews.IdFormat.EwsId, appt.Id.UniqueId, USER1), ews.IdFormat.EwsId);
    assert(converted instanceof ews.AlternateId, `an AlternateId (got ${converted && converted.constructor.name})`);
    equal(converted.UniqueId, appt.Id.UniqueId, 'UniqueId');
    equal(converted.Mailbox, USER1, 'Mailbox');
    await appt.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
  });

  await s.step('get_user_availability', async () => {
    const appt = new ews.Appointment(bob);
    appt.Subject = `Busy ${tag}`;
    appt.Start = utc(2030, 1, 9, 9);
    appt.End = utc(2030, 1, 9, 10);
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    const attendees = [new ews.AttendeeInfo(USER1), new ews.AttendeeInfo(USER2)];
    const window = new ews.TimeWindow(utc(2030, 1, 9), utc(2030, 1, 10));
    const results = await alice.GetUserAvailability(attendees, window, ews.AvailabilityData.FreeBusyAndSuggestions);
    equal(results.AttendeesAvailability.Count, 2, 'one availability per attendee');
    const bobs = results.AttendeesAvailability.Responses[1];
    assert(bobs.CalendarEvents.some((e) => ms(e.StartTime) === ms(utc(2030, 1, 9, 9))), 'the attendee busy hour is among the events');
    assert(results.Suggestions && results.Suggestions.length > 0, 'suggestions');
    await appt.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
  });

  await s.step('get_server_time_zones', async () => {
    const zones = await alice.GetServerTimeZones();
    assert(zones.length > 100, `zones: ${zones.length}`);
    const paris = zones.find((z) => z.Id === 'Romance Standard Time');
    assert(paris, 'Romance Standard Time is listed');
    assert(paris.DisplayName.includes('Paris'), 'its display name');
  });

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
