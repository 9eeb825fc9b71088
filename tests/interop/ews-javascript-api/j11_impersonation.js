'use strict';
/*
 * Impersonation (issue 18 §4) as an EWS Managed API app does it: service.ImpersonatedUserId with
 * ConnectingIdType.SmtpAddress (PrimarySmtpAddress on the wire) and PrincipalName. The service account in
 * RDV_IMPERSONATOR holds impersonation of user1 and user2 (`rdv user grant-impersonation ACCOUNT --for USER1,USER2`):
 * it books a meeting as user1, user2's answer goes out through impersonation, and user1's tracking shows it. Without
 * the grant (user1 impersonating user2) the library reports ErrorImpersonateUserDenied.
 */
const { ews, USER1, PASSWORD1, USER2, service, runId, utc, Steps, assert, equal, waitFor, findByTag } = require('./common');

const IMPERSONATOR = process.env.RDV_IMPERSONATOR;
const IMPERSONATOR_PASSWORD = process.env.RDV_IMPERSONATOR_PASSWORD;
if (!IMPERSONATOR || !IMPERSONATOR_PASSWORD) {
  console.error('usage error: RDV_IMPERSONATOR and RDV_IMPERSONATOR_PASSWORD must be set');
  process.exit(2);
}

function as(address, kind = ews.ConnectingIdType.SmtpAddress, user = IMPERSONATOR, password = IMPERSONATOR_PASSWORD) {
  const svc = service(user, password);
  svc.ImpersonatedUserId = new ews.ImpersonatedUserId(kind, address);
  return svc;
}

(async () => {
  const steps = new Steps();
  const tag = `rdv-j11-${runId()}`;

  await steps.step('impersonation_books_a_meeting_as_user1', async () => {
    const meeting = new ews.Appointment(as(USER1));
    meeting.Subject = `${tag} planning`;
    meeting.Start = utc(2031, 3, 4, 9);
    meeting.End = utc(2031, 3, 4, 10);
    meeting.RequiredAttendees.Add(USER2);
    await meeting.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToAllAndSaveCopy);
    const own = await findByTag(service(USER1, PASSWORD1), ews.WellKnownFolderName.Calendar, tag);
    equal(own.length, 1, 'meetings in user1 own calendar');
    return meeting.Id;
  });

  await steps.step('impersonation_accepts_as_user2_by_principal_name', async () => {
    const svc = as(USER2, ews.ConnectingIdType.PrincipalName);
    const found = await waitFor(async () => (await findByTag(svc, ews.WellKnownFolderName.Inbox, tag))[0]);
    assert(found, 'the request reached user2 inbox');
    const request = await ews.MeetingRequest.Bind(svc, found.Id);
    await request.Accept(true);
  }, ['impersonation_books_a_meeting_as_user1']);

  await steps.step('organizer_tracking_shows_the_answer', async () => {
    const meeting = await ews.Appointment.Bind(as(USER1), steps.value('impersonation_books_a_meeting_as_user1'));
    const row = meeting.RequiredAttendees.GetEnumerator().find((a) => a.Address.toLowerCase() === USER2.toLowerCase());
    equal(ews.MeetingResponseType[row.ResponseType], 'Accept', 'user2 answer in user1 tracking');
  }, ['impersonation_accepts_as_user2_by_principal_name']);

  await steps.step('without_the_grant_impersonation_is_denied', async () => {
    try {
      await findByTag(as(USER2, ews.ConnectingIdType.SmtpAddress, USER1, PASSWORD1), ews.WellKnownFolderName.Calendar, tag);
    } catch (error) {
      const code = ews.ServiceError[error.ErrorCode] || '';
      assert(code === 'ErrorImpersonateUserDenied' || /impersonate/i.test(error.message || ''), `the error: ${code} ${error.message}`);
      return;
    }
    throw new Error('user1 impersonated user2 without a grant');
  });

  await steps.step('cleanup', async () => {
    for (const item of await findByTag(service(USER1, PASSWORD1), ews.WellKnownFolderName.Calendar, tag)) {
      await item.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
    }
  });

  steps.finish();
})();
