'use strict';
/*
 * Items beyond the calendar basics as an EWS Managed API app handles them, through ews-javascript-api 0.15.3:
 * copy and move between folders, extended properties, searches with filters and sort orders, property sets, and the
 * three delete modes. RDV_USER1 only; fixed dates in the week of 2030-01-14 (UTC).
 */
const { ews, USER1, PASSWORD1, service, runId, utc, ms, Steps, assert, equal, findByTag } = require('./common');

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const Calendar = ews.WellKnownFolderName.Calendar;
  const Subject = ews.ItemSchema.Subject;

  const save = async (subject, day, hour) => {
    const appt = new ews.Appointment(alice);
    appt.Subject = subject;
    appt.Start = utc(2030, 1, day, hour);
    appt.End = utc(2030, 1, day, hour + 1);
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    return appt;
  };

  await s.step('calendar_folder_create', async () => {
    const folder = new ews.CalendarFolder(alice);
    folder.DisplayName = `Team ${tag}`;
    await folder.Save(Calendar);
    return folder.Id;
  });

  await s.step('item_copy_and_move', async () => {
    const appt = await save(`Copied ${tag}`, 14, 9);
    const copy = await appt.Copy(s.value('calendar_folder_create'));
    assert(copy.Id.UniqueId !== appt.Id.UniqueId, 'the copy has an id of its own');
    const moved = await appt.Move(s.value('calendar_folder_create'));
    const inTeam = await findByTag(alice, s.value('calendar_folder_create'), tag);
    equal(inTeam.length, 2, 'items in the new folder');
    assert(inTeam.some((i) => i.Id.UniqueId === moved.Id.UniqueId), 'the moved item is there');
    equal((await findByTag(alice, Calendar, `Copied ${tag}`)).length, 0, 'items left in the calendar');
  }, ['calendar_folder_create']);

  await s.step('extended_properties', async () => {
    const named = new ews.ExtendedPropertyDefinition(ews.DefaultExtendedPropertySet.PublicStrings, 'RendezvousTag', ews.MapiPropertyType.String);
    const tagged = new ews.ExtendedPropertyDefinition(0x3A45, ews.MapiPropertyType.String);
    const appt = new ews.Appointment(alice);
    appt.Subject = `Extended ${tag}`;
    appt.Start = utc(2030, 1, 15, 9);
    appt.End = utc(2030, 1, 15, 10);
    appt.SetExtendedProperty(named, tag);
    appt.SetExtendedProperty(tagged, 'Dr.');
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    const again = await ews.Appointment.Bind(alice, appt.Id, new ews.PropertySet(ews.BasePropertySet.IdOnly, [Subject, named, tagged]));
    const value = { outValue: null };
    assert(again.TryGetExtendedProperty(named, value) && value.outValue === tag, 'the named property');
    assert(again.TryGetExtendedProperty(tagged, value) && value.outValue === 'Dr.', 'the tagged property');
    const found = await alice.FindItems(Calendar, new ews.SearchFilter.IsEqualTo(named, tag), new ews.ItemView(10));
    equal(found.Items.length, 1, 'found by the named property');
    await appt.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
  });

  await s.step('search_filter_and_sort', async () => {
    await save(`Sorted B ${tag}`, 16, 11);
    await save(`Sorted A ${tag}`, 16, 9);
    await save(`Sorted C ${tag}`, 17, 9);
    const view = new ews.ItemView(10);
    view.OrderBy.Add(ews.AppointmentSchema.Start, ews.SortDirection.Descending);
    view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [Subject, ews.AppointmentSchema.Start]);
    const filter = new ews.SearchFilter.SearchFilterCollection(ews.LogicalOperator.And, [
      new ews.SearchFilter.ContainsSubstring(Subject, `Sorted`),
      new ews.SearchFilter.ContainsSubstring(Subject, tag),
      new ews.SearchFilter.IsLessThan(ews.AppointmentSchema.Start, utc(2030, 1, 17)),
    ]);
    const found = await alice.FindItems(new ews.FolderId(Calendar), filter, view);
    equal(found.Items.map((i) => i.Subject).join(','), `Sorted B ${tag},Sorted A ${tag}`, 'subjects in Start order, newest first');
    equal(ms(found.Items[1].Start), ms(utc(2030, 1, 16, 9)), 'Start');
  });

  await s.step('load_property_set', async () => {
    const [first] = await findByTag(alice, Calendar, `Sorted A ${tag}`);
    const appt = await ews.Appointment.Bind(alice, first.Id, new ews.PropertySet(ews.BasePropertySet.IdOnly, [Subject]));
    equal(appt.Subject, `Sorted A ${tag}`, 'Subject');
    await appt.Load(new ews.PropertySet(ews.BasePropertySet.FirstClassProperties));
    equal(ms(appt.End), ms(utc(2030, 1, 16, 10)), 'End after Load');
  }, ['search_filter_and_sort']);

  await s.step('delete_modes', async () => {
    const items = await findByTag(alice, Calendar, `Sorted`);
    const mine = items.filter((i) => i.Subject.includes(tag));
    equal(mine.length, 3, 'items to delete');
    const modes = [ews.DeleteMode.MoveToDeletedItems, ews.DeleteMode.SoftDelete, ews.DeleteMode.HardDelete];
    for (let i = 0; i < modes.length; i++) {
      const appt = await ews.Appointment.Bind(alice, mine[i].Id);
      await appt.Delete(modes[i], ews.SendCancellationsMode.SendToNone);
    }
    equal((await findByTag(alice, Calendar, tag)).length, 0, 'items of this run left in the calendar');
    const deleted = await findByTag(alice, ews.WellKnownFolderName.DeletedItems, tag);
    equal(deleted.length, 1, 'items moved to Deleted Items');
  }, ['search_filter_and_sort']);

  await s.step('calendar_folder_delete', async () => {
    const folder = await ews.Folder.Bind(alice, s.value('calendar_folder_create'));
    await folder.Delete(ews.DeleteMode.HardDelete);
  }, ['calendar_folder_create']);

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
