'use strict';
/*
 * People, out of office and setup calls (issue 17 §4, §6, §7) as an EWS Managed API app makes them, through
 * ews-javascript-api 0.15.3: ResolveName of a user (with its contact data), of a contact and of no one; a contact group
 * saved and expanded with ExpandGroup, and ExpandGroup of a list that does not exist; SetUserOofSettings and
 * GetUserOofSettings, and the automatic reply the other mailbox gets once; GetPasswordExpirationDate. Two mailboxes
 * (RDV_USER1 and RDV_USER2); a run tag in every name and subject.
 *
 * Note: the library's ResolveName answers an empty collection for ErrorNameResolutionNoResults, as the C# one does.
 */
const { ews, USER1, PASSWORD1, USER2, PASSWORD2, service, runId, Steps, assert, equal, waitFor, findByTag } = require('./common');

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const bob = service(USER2, PASSWORD2);
  const Contacts = ews.WellKnownFolderName.Contacts;
  const Inbox = ews.WellKnownFolderName.Inbox;

  await s.step('resolve_name_user', async () => {
    const found = await alice.ResolveName(USER2);
    equal(found.Count, 1, 'resolutions');
    equal(String(found._getItem(0).Mailbox.Address).toLowerCase(), USER2.toLowerCase(), 'the address');
    equal(found._getItem(0).Mailbox.MailboxType, ews.MailboxType.Mailbox, 'MailboxType');
  });

  await s.step('resolve_name_with_contact_data', async () => {
    const found = await alice.ResolveName(USER2, ews.ResolveNameSearchLocation.DirectoryOnly, true);
    equal(found.Count, 1, 'resolutions');
    const contact = found._getItem(0).Contact;
    assert(contact && contact.DisplayName, 'the directory entry comes with its contact data');
  });

  await s.step('resolve_name_contact', async () => {
    const contact = new ews.Contact(alice);
    contact.GivenName = 'Lucie';
    contact.Surname = `Moreau ${tag}`;
    contact.EmailAddresses._setItem(ews.EmailAddressKey.EmailAddress1, new ews.EmailAddress(`lucie.${tag}@example.net`));
    await contact.Save(Contacts);
    const found = await alice.ResolveName(`Moreau ${tag}`, ews.ResolveNameSearchLocation.ContactsOnly, false);
    equal(found.Count, 1, 'resolutions');
    const mailbox = found._getItem(0).Mailbox;
    equal(mailbox.Address, `lucie.${tag}@example.net`, 'the contact address');
    equal(mailbox.MailboxType, ews.MailboxType.Contact, 'MailboxType');
    assert(mailbox.Id, 'the contact ItemId');
    return contact.Id;
  });

  await s.step('resolve_name_no_one', async () => {
    const found = await alice.ResolveName(`nobody-${tag}`);
    equal(found.Count, 0, 'resolutions');
  });

  await s.step('expand_contact_group', async () => {
    const group = new ews.ContactGroup(alice);
    group.DisplayName = `Friends ${tag}`;
    group.Members.AddOneOff('June', `june.${tag}@example.net`);
    group.Members.AddOneOff('Karl', `karl.${tag}@example.net`);
    await group.Save(Contacts);
    const expanded = await alice.ExpandGroup(group.Id);
    const addresses = expanded.Members.map((m) => m.Address).sort();
    equal(addresses.join(','), [`june.${tag}@example.net`, `karl.${tag}@example.net`].join(','), 'the members');
    return group.Id;
  });

  await s.step('expand_group_that_does_not_exist', async () => {
    let code = null;
    try {
      await alice.ExpandGroup(`no-list-${tag}@example.com`);
    } catch (error) {
      code = error && error.ErrorCode !== undefined ? ews.ServiceError[error.ErrorCode] : String(error);
    }
    equal(code, 'ErrorNameResolutionNoResults', 'the error');
  });

  await s.step('oof_settings_round_trip', async () => {
    const settings = new ews.OofSettings();
    settings.State = ews.OofState.Enabled;
    settings.ExternalAudience = ews.OofExternalAudience.Known;
    settings.InternalReply = new ews.OofReply(`Away ${tag}`);
    settings.ExternalReply = new ews.OofReply(`Out ${tag}`);
    await alice.SetUserOofSettings(USER1, settings);
    const read = await alice.GetUserOofSettings(USER1);
    equal(read.State, ews.OofState.Enabled, 'State');
    equal(read.ExternalAudience, ews.OofExternalAudience.Known, 'ExternalAudience');
    equal(read.InternalReply.Message, `Away ${tag}`, 'InternalReply');
    equal(read.ExternalReply.Message, `Out ${tag}`, 'ExternalReply');
    assert(read.Duration, 'a Duration, as Exchange gives one');
  });

  await s.step('oof_reply_sent_once', async () => {
    for (const n of [1, 2]) {
      const message = new ews.EmailMessage(bob);
      message.Subject = `Question ${n} ${tag}`;
      message.Body = new ews.MessageBody(ews.BodyType.Text, 'Are you there?');
      message.ToRecipients.Add(USER1);
      await message.Send();
    }
    const automatic = async () => (await findByTag(bob, Inbox, tag)).filter((i) => String(i.Subject).startsWith('Automatic reply: '));
    const replies = await waitFor(async () => ((await automatic()).length > 0 ? automatic() : null));
    assert(replies && replies.length === 1, `one automatic reply (got ${replies ? replies.length : 0})`);
    equal(replies[0].Subject, `Automatic reply: Question 1 ${tag}`, 'the reply to the first message');
  }, ['oof_settings_round_trip']);

  await s.step('oof_disabled', async () => {
    const settings = new ews.OofSettings();
    settings.State = ews.OofState.Disabled;
    settings.InternalReply = new ews.OofReply('');
    settings.ExternalReply = new ews.OofReply('');
    await alice.SetUserOofSettings(USER1, settings);
    equal((await alice.GetUserOofSettings(USER1)).State, ews.OofState.Disabled, 'State');
  });

  await s.step('password_expiration_date', async () => {
    const date = await alice.GetPasswordExpirationDate(USER1);
    assert(date && date.Year >= 9999, `a password that never expires (got ${date})`);
  });

  await s.step('cleanup', async () => {
    for (const name of ['resolve_name_contact', 'expand_contact_group']) {
      const id = s.value(name);
      if (id) await (await ews.Item.Bind(alice, id)).Delete(ews.DeleteMode.HardDelete);
    }
  });

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
