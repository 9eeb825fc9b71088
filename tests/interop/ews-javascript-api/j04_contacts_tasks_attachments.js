'use strict';
/*
 * Contacts, tasks and attachments as an EWS Managed API app drives them, through ews-javascript-api 0.15.3: a contact
 * with its email addresses, phone numbers and a postal address, saved, bound, updated and found; a task through its
 * statuses; file attachments on a new message and on a saved appointment, loaded back and removed; an item attachment;
 * a meeting's attachment reaching the attendee, then the meeting cancelled with a message. An organizer (RDV_USER1)
 * and an attendee (RDV_USER2); fixed dates in the week of 2030-01-21 (UTC), a run tag in every subject.
 *
 * Note: the library's FindItems with a SearchFilter needs an explicit FolderId; WellKnownFolderName alone is fine.
 * Note: the port's ItemAttachment.Load() cannot load a bound item attachment (see attachment_item_on_message).
 */
const { ews, USER1, PASSWORD1, USER2, PASSWORD2, service, runId, utc, ms, Steps, assert, equal, waitFor, findByTag } = require('./common');

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const bob = service(USER2, PASSWORD2);
  const Calendar = ews.WellKnownFolderName.Calendar;
  const Contacts = ews.WellKnownFolderName.Contacts;
  const Inbox = ews.WellKnownFolderName.Inbox;
  const base64 = (text) => Buffer.from(text).toString('base64');
  const text = (b64) => Buffer.from(b64, 'base64').toString();
  const withAttachments = new ews.PropertySet(ews.BasePropertySet.FirstClassProperties, [ews.ItemSchema.Attachments]);

  await s.step('contact_save_and_bind', async () => {
    const contact = new ews.Contact(alice);
    contact.GivenName = 'Carla';
    contact.Surname = `Diaz ${tag}`;
    contact.CompanyName = 'Fabrikam';
    contact.JobTitle = 'Buyer';
    contact.EmailAddresses._setItem(ews.EmailAddressKey.EmailAddress1, new ews.EmailAddress('carla@example.org'));
    contact.EmailAddresses._setItem(ews.EmailAddressKey.EmailAddress2, new ews.EmailAddress('Carla Diaz', 'carla.diaz@example.net'));
    contact.PhoneNumbers._setItem(ews.PhoneNumberKey.MobilePhone, '+33 6 00 00 00 00');
    contact.PhoneNumbers._setItem(ews.PhoneNumberKey.BusinessPhone, '+33 1 00 00 00 00');
    const address = new ews.PhysicalAddressEntry();
    address.Street = '1 rue de la Paix';
    address.City = 'Paris';
    address.PostalCode = '75002';
    address.CountryOrRegion = 'France';
    contact.PhysicalAddresses._setItem(ews.PhysicalAddressKey.Business, address);
    await contact.Save(Contacts);
    const again = await ews.Contact.Bind(alice, contact.Id);
    equal(again.GivenName, 'Carla', 'GivenName');
    equal(again.Surname, `Diaz ${tag}`, 'Surname');
    equal(again.CompanyName, 'Fabrikam', 'CompanyName');
    equal(again.EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress1).Address, 'carla@example.org', 'EmailAddress1');
    equal(again.EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress2).Address, 'carla.diaz@example.net', 'EmailAddress2');
    equal(again.PhoneNumbers._getItem(ews.PhoneNumberKey.MobilePhone), '+33 6 00 00 00 00', 'MobilePhone');
    equal(again.PhoneNumbers._getItem(ews.PhoneNumberKey.BusinessPhone), '+33 1 00 00 00 00', 'BusinessPhone');
    const business = again.PhysicalAddresses._getItem(ews.PhysicalAddressKey.Business);
    assert(business, 'the business address');
    equal(business.Street, '1 rue de la Paix', 'Street');
    equal(business.City, 'Paris', 'City');
    equal(business.PostalCode, '75002', 'PostalCode');
    equal(business.CountryOrRegion, 'France', 'CountryOrRegion');
    equal(again.FileAs, `Diaz ${tag}, Carla`, 'FileAs (LastCommaFirst)');
    assert(again.DisplayName && again.DisplayName.includes('Carla'), `DisplayName ${again.DisplayName}`);
    return contact.Id;
  });

  await s.step('contact_update_indexed_fields', async () => {
    const contact = await ews.Contact.Bind(alice, s.value('contact_save_and_bind'));
    contact.PhoneNumbers._setItem(ews.PhoneNumberKey.MobilePhone, '+33 7 11 11 11 11');
    const home = new ews.PhysicalAddressEntry();
    home.City = 'Lyon';
    contact.PhysicalAddresses._setItem(ews.PhysicalAddressKey.Home, home);
    await contact.Update(ews.ConflictResolutionMode.AutoResolve);
    const again = await ews.Contact.Bind(alice, contact.Id);
    equal(again.PhoneNumbers._getItem(ews.PhoneNumberKey.MobilePhone), '+33 7 11 11 11 11', 'MobilePhone after the update');
    equal(again.PhoneNumbers._getItem(ews.PhoneNumberKey.BusinessPhone), '+33 1 00 00 00 00', 'BusinessPhone kept');
    equal(again.PhysicalAddresses._getItem(ews.PhysicalAddressKey.Home).City, 'Lyon', 'the home address added');
    equal(again.PhysicalAddresses._getItem(ews.PhysicalAddressKey.Business).City, 'Paris', 'the business address kept');
  }, ['contact_save_and_bind']);

  await s.step('find_contacts', async () => {
    const second = new ews.Contact(alice);
    second.GivenName = 'Bruno';
    second.Surname = `Alves ${tag}`;
    second.EmailAddresses._setItem(ews.EmailAddressKey.EmailAddress1, new ews.EmailAddress('bruno@example.org'));
    await second.Save(Contacts);
    const view = new ews.ItemView(10);
    view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ContactSchema.Surname, ews.ContactSchema.DisplayName, ews.ContactSchema.EmailAddress1]);
    view.OrderBy.Add(ews.ContactSchema.Surname, ews.SortDirection.Ascending);
    const bySurname = await alice.FindItems(new ews.FolderId(Contacts), new ews.SearchFilter.ContainsSubstring(ews.ContactSchema.Surname, tag), view);
    equal(bySurname.Items.map((c) => c.Surname).join(','), `Alves ${tag},Diaz ${tag}`, 'contacts of this run by Surname');
    assert(bySurname.Items.every((c) => c instanceof ews.Contact), 'each is a Contact');
    equal(bySurname.Items[1].EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress1).Address, 'carla@example.org', 'EmailAddress1 in the view');
    const byEmail = await alice.FindItems(new ews.FolderId(Contacts), new ews.SearchFilter.IsEqualTo(ews.ContactSchema.EmailAddress1, 'bruno@example.org'), view);
    equal(byEmail.Items.filter((c) => c.Surname === `Alves ${tag}`).length, 1, 'found by EmailAddress1');
    return bySurname.Items.map((c) => c.Id);
  }, ['contact_save_and_bind']);

  await s.step('task_save_and_complete', async () => {
    const task = new ews.Task(alice);
    task.Subject = `Report ${tag}`;
    task.StartDate = utc(2030, 1, 21, 9);
    task.DueDate = utc(2030, 1, 25, 17);
    task.Status = ews.TaskStatus.InProgress;
    task.PercentComplete = 40;
    await task.Save(ews.WellKnownFolderName.Tasks);
    const again = await ews.Task.Bind(alice, task.Id);
    equal(again.PercentComplete, 40, 'PercentComplete');
    equal(again.Status, ews.TaskStatus.InProgress, 'Status');
    equal(ms(again.DueDate), ms(utc(2030, 1, 25, 17)), 'DueDate');
    assert(!again.IsComplete, 'not IsComplete yet');
    again.Status = ews.TaskStatus.Completed;
    await again.Update(ews.ConflictResolutionMode.AlwaysOverwrite);
    const done = await ews.Task.Bind(alice, task.Id);
    equal(done.PercentComplete, 100, 'PercentComplete once completed');
    assert(done.IsComplete, 'IsComplete');
    assert(done.CompleteDate, 'CompleteDate once completed');
    return task.Id;
  });

  await s.step('task_reopened_by_percent', async () => {
    const task = await ews.Task.Bind(alice, s.value('task_save_and_complete'));
    task.PercentComplete = 50;
    await task.Update(ews.ConflictResolutionMode.AlwaysOverwrite);
    const again = await ews.Task.Bind(alice, task.Id);
    equal(again.Status, ews.TaskStatus.InProgress, 'Status once reopened');
    assert(!again.IsComplete, 'not IsComplete once reopened');
    await again.Delete(ews.DeleteMode.HardDelete);
  }, ['task_save_and_complete']);

  await s.step('attachment_file_on_new_message', async () => {
    const message = new ews.EmailMessage(alice);
    message.Subject = `Attached ${tag}`;
    message.Attachments.AddFileAttachment('notes.txt', base64('hello attachments'));
    await message.Save(ews.WellKnownFolderName.Drafts);
    const again = await ews.EmailMessage.Bind(alice, message.Id, withAttachments);
    assert(again.HasAttachments, 'HasAttachments');
    equal(again.Attachments.Count, 1, 'Attachments.Count');
    const attachment = again.Attachments._getItem(0);
    equal(attachment.Name, 'notes.txt', 'Name');
    await attachment.Load();
    equal(text(attachment.Base64Content), 'hello attachments', 'content');
  });

  await s.step('attachment_file_on_saved_appointment', async () => {
    const appt = new ews.Appointment(alice);
    appt.Subject = `Agenda attached ${tag}`;
    appt.Start = utc(2030, 1, 21, 15);
    appt.End = utc(2030, 1, 21, 16);
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    appt.Attachments.AddFileAttachment('agenda.txt', base64('1. intro'));
    await appt.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const again = await ews.Appointment.Bind(alice, appt.Id);
    equal(again.Attachments.Count, 1, 'Attachments.Count');
    assert(again.HasAttachments, 'HasAttachments');
    const attachment = again.Attachments._getItem(0);
    equal(attachment.Name, 'agenda.txt', 'Name');
    await attachment.Load();
    equal(text(attachment.Base64Content), '1. intro', 'content loaded back');
    return appt.Id;
  });

  await s.step('attachment_removed', async () => {
    const appt = await ews.Appointment.Bind(alice, s.value('attachment_file_on_saved_appointment'));
    appt.Attachments.RemoveAt(0);
    await appt.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const again = await ews.Appointment.Bind(alice, appt.Id, withAttachments);
    equal(again.Attachments.Count, 0, 'Attachments.Count after the removal');
    assert(!again.HasAttachments, 'no HasAttachments');
    await again.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
  }, ['attachment_file_on_saved_appointment']);

  await s.step('attachment_item_on_message', async () => {
    const message = new ews.EmailMessage(alice);
    message.Subject = `Carrier ${tag}`;
    const attached = message.Attachments.AddItemAttachment(ews.EmailMessage, 'Message');
    attached.Name = 'Inner message';
    attached.Item.Subject = `Inner ${tag}`;
    attached.Item.Body = new ews.MessageBody(ews.BodyType.Text, 'inside the carrier');
    await message.Save(ews.WellKnownFolderName.Drafts);
    const again = await ews.EmailMessage.Bind(alice, message.Id, withAttachments);
    equal(again.Attachments.Count, 1, 'Attachments.Count');
    const attachment = again.Attachments._getItem(0);
    assert(attachment instanceof ews.ItemAttachment, `an ItemAttachment, not ${attachment.constructor.name}`);
    equal(attachment.Name, 'Inner message', 'Name');
    // Note: the port's ItemAttachment.Load() of a bound attachment throws "The element at position 0 is invalid" before
    // sending anything (its Validate reads Item.Attachments while Item is still null); GetAttachments by id is the
    // same GetAttachment request without that check.
    const [loaded] = (await alice.GetAttachments([attachment.Id], ews.BodyType.Text, null)).Responses.map((r) => r.Attachment);
    assert(loaded && loaded.Item, 'the attached item is loaded');
    equal(loaded.Item.Subject, `Inner ${tag}`, 'the attached item Subject');
    assert(loaded.Item.Body && String(loaded.Item.Body.Text).includes('inside the carrier'), 'the attached item Body');
  });

  await s.step('meeting_attachment_reaches_attendee', async () => {
    const meeting = new ews.Appointment(alice);
    meeting.Subject = `Review ${tag}`;
    meeting.Start = utc(2030, 1, 22, 10);
    meeting.End = utc(2030, 1, 22, 11);
    meeting.RequiredAttendees.Add(USER2);
    meeting.Attachments.AddFileAttachment('slides.txt', base64('slide 1'));
    await meeting.Save(Calendar, ews.SendInvitationsMode.SendToAllAndSaveCopy);
    const requests = await waitFor(async () => (await findByTag(bob, Inbox, `Review ${tag}`)).filter((i) => i instanceof ews.MeetingRequest));
    assert(requests && requests.length === 1, 'one meeting request');
    const request = await ews.MeetingRequest.Bind(bob, requests[0].Id, withAttachments);
    equal(request.Attachments.Count, 1, 'attachments on the meeting request');
    const attachment = request.Attachments._getItem(0);
    await attachment.Load();
    equal(text(attachment.Base64Content), 'slide 1', 'the attachment content the attendee reads');
    return meeting.Id;
  });

  await s.step('cancel_meeting_with_message', async () => {
    const meeting = await ews.Appointment.Bind(alice, s.value('meeting_attachment_reaches_attendee'));
    const cancel = meeting.CreateCancelMeetingMessage();
    cancel.Body = new ews.MessageBody(ews.BodyType.Text, 'Postponed to next month');
    const results = await cancel.SendAndSaveCopy();
    assert(results, 'CalendarActionResults');
    const cancellations = await waitFor(async () => (await findByTag(bob, Inbox, `Review ${tag}`)).filter((i) => i instanceof ews.MeetingCancellation));
    assert(cancellations && cancellations.length === 1, 'one cancellation in the attendee Inbox');
    const cancellation = await ews.MeetingCancellation.Bind(bob, cancellations[0].Id);
    assert(cancellation.Body && String(cancellation.Body.Text).includes('Postponed'), 'the cancellation carries the message');
    equal((await findByTag(alice, Calendar, `Review ${tag}`)).length, 0, 'meetings left in the organizer calendar');
  }, ['meeting_attachment_reaches_attendee']);

  await s.step('contacts_delete', async () => {
    for (const id of s.value('find_contacts')) await (await ews.Contact.Bind(alice, id)).Delete(ews.DeleteMode.HardDelete);
    const left = await alice.FindItems(new ews.FolderId(Contacts), new ews.SearchFilter.ContainsSubstring(ews.ContactSchema.Surname, tag), new ews.ItemView(10));
    equal(left.Items.length, 0, 'contacts of this run left');
  }, ['find_contacts']);

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
