'use strict';
/*
 * Folder permissions as an EWS Managed API app uses them, through ews-javascript-api 0.15.3: RDV_USER2 gives RDV_USER1
 * Reviewer on their Calendar (Folder.Bind with FolderSchema.Permissions, Permissions.Add, Update), RDV_USER1 reads it
 * through FolderId(WellKnownFolderName.Calendar, new Mailbox(RDV_USER2)) and may not add to it; once the permission is
 * removed, the calendar is refused again. The script leaves RDV_USER2's permissions as it found them.
 */
const { ews, USER1, PASSWORD1, USER2, PASSWORD2, service, runId, utc, Steps, assert, equal } = require('./common');

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const bob = service(USER2, PASSWORD2);
  const Calendar = ews.WellKnownFolderName.Calendar;
  const bobsCalendar = () => new ews.FolderId(Calendar, new ews.Mailbox(USER2));
  const view = () => new ews.CalendarView(utc(2033, 4, 1), utc(2033, 4, 30));
  const withPermissions = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.Permissions]);
  const isAlice = (p) => p.UserId && p.UserId.PrimarySmtpAddress && p.UserId.PrimarySmtpAddress.toLowerCase() === USER1.toLowerCase();

  async function bobsPermissions() {
    const folder = await ews.Folder.Bind(bob, Calendar, withPermissions);
    return { folder, entries: folder.Permissions.GetEnumerator() };
  }

  await s.step('default_permissions_read', async () => {
    const { entries } = await bobsPermissions();
    const byDefault = entries.find((p) => p.UserId.StandardUser === ews.StandardUser.Default);
    assert(byDefault, 'a Default entry');
    const level = ews.FolderPermissionLevel[byDefault.PermissionLevel];
    assert(['FreeBusyTimeOnly', 'None'].includes(level), `Default's level ${level}`);
  });

  await s.step('bob_grants_reviewer', async () => {
    const { folder, entries } = await bobsPermissions();
    for (const stale of entries.filter(isAlice)) folder.Permissions.Remove(stale);
    folder.Permissions.Add(new ews.FolderPermission(USER1, ews.FolderPermissionLevel.Reviewer));
    await folder.Update();
    const again = await bobsPermissions();
    const granted = again.entries.find(isAlice);
    assert(granted, "alice's entry after the update");
    equal(ews.FolderPermissionLevel[granted.PermissionLevel], 'Reviewer', "alice's level");
    assert(granted.IsFolderVisible && !granted.CanCreateItems, 'Reviewer rights read back');
  }, ['default_permissions_read']);

  const appointment = await s.step('bob_creates_appointment', async () => {
    const a = new ews.Appointment(bob);
    a.Subject = `Shared ${tag}`;
    a.Start = utc(2033, 4, 7, 9);
    a.End = utc(2033, 4, 7, 10);
    await a.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    return a;
  });

  await s.step('alice_reads_bobs_calendar', async () => {
    const found = await alice.FindAppointments(bobsCalendar(), view());
    assert(found.Items.some((i) => i.Subject === `Shared ${tag}`), `subjects ${found.Items.map((i) => i.Subject).join(', ')}`);
  }, ['bob_grants_reviewer', 'bob_creates_appointment']);

  await s.step('alice_binds_bobs_item', async () => {
    const bound = await ews.Appointment.Bind(alice, appointment.Id);
    equal(bound.Subject, `Shared ${tag}`, 'subject');
  }, ['bob_grants_reviewer', 'bob_creates_appointment']);

  await s.step('alice_may_not_add_to_bobs_calendar', async () => {
    const a = new ews.Appointment(alice);
    a.Subject = `Planted ${tag}`;
    a.Start = utc(2033, 4, 8, 9);
    a.End = utc(2033, 4, 8, 10);
    try {
      await a.Save(bobsCalendar(), ews.SendInvitationsMode.SendToNone);
    } catch (error) {
      equal(ews.ServiceError[error.ErrorCode], 'ErrorAccessDenied', 'error');
      return;
    }
    throw new Error('a Reviewer created an item');
  }, ['bob_grants_reviewer']);

  await s.step('bob_revokes', async () => {
    const { folder, entries } = await bobsPermissions();
    for (const granted of entries.filter(isAlice)) folder.Permissions.Remove(granted);
    await folder.Update();
    const again = await bobsPermissions();
    assert(!again.entries.some(isAlice), "alice's entry is gone");
  }, ['bob_grants_reviewer']);

  await s.step('alice_refused_after_revoke', async () => {
    try {
      await alice.FindAppointments(bobsCalendar(), view());
    } catch (error) {
      equal(ews.ServiceError[error.ErrorCode], 'ErrorAccessDenied', 'error');
      return;
    }
    throw new Error("alice still reads bob's calendar");
  }, ['bob_revokes']);

  if (appointment) await appointment.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone).catch(() => {});
  s.finish();
}

main().catch((error) => {
  console.log(`FAIL main: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
