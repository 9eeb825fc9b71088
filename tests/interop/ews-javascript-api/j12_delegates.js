'use strict';
/*
 * Delegates (issue 18 §2) as an EWS Managed API app manages them, through ews-javascript-api 0.15.3: GetDelegates of
 * a mailbox without delegates, AddDelegates (RDV_USER2 as RDV_USER1's delegate, with DeliverMeetingRequests), the
 * per-user errors of a second AddDelegates (the delegate again, the owner), GetDelegates with permissions,
 * UpdateDelegates, RemoveDelegates, and RDV_USER2 reading RDV_USER1's delegates (refused). The delegate never receives
 * copies of meeting messages, so the other scripts' meetings are delivered as before; it is removed at the end.
 */
const { ews, USER1, PASSWORD1, USER2, PASSWORD2, service, Steps, assert, equal } = require('./common');

async function main() {
  const s = new Steps();
  const alice = service(USER1, PASSWORD1);
  const bob = service(USER2, PASSWORD2);
  const principal = new ews.Mailbox(USER1);

  const removeBob = async () => {
    try {
      await alice.RemoveDelegates(principal, [new ews.UserId(USER2)]);
    } catch (error) {
      // Not a delegate: nothing to remove.
    }
  };

  await s.step('get_delegates_none', async () => {
    await removeBob(); // a run stopped half-way may have left it
    const info = await alice.GetDelegates(principal, true);
    equal(info.DelegateUserResponses.length, 0, 'delegate responses');
  });

  await s.step('add_delegates', async () => {
    const delegate = new ews.DelegateUser(USER2);
    delegate.Permissions.CalendarFolderPermissionLevel = ews.DelegateFolderPermissionLevel.Editor;
    delegate.Permissions.InboxFolderPermissionLevel = ews.DelegateFolderPermissionLevel.Reviewer;
    delegate.ReceiveCopiesOfMeetingMessages = false;
    delegate.ViewPrivateItems = true;
    const responses = await alice.AddDelegates(principal, ews.MeetingRequestsDeliveryScope.DelegatesAndMe, [delegate]);
    equal(responses.length, 1, 'responses');
    equal(responses[0].Result, ews.ServiceResult.Success, 'the delegate added');
  }, ['get_delegates_none']);

  await s.step('add_delegates_errors', async () => {
    const responses = await alice.AddDelegates(principal, null, [new ews.DelegateUser(USER2), new ews.DelegateUser(USER1)]);
    equal(responses.length, 2, 'responses');
    equal(responses[0].ErrorCode, ews.ServiceError.ErrorDelegateAlreadyExists, 'the delegate again');
    equal(responses[1].ErrorCode, ews.ServiceError.ErrorDelegateCannotAddOwner, 'the owner');
  }, ['add_delegates']);

  await s.step('get_delegates', async () => {
    const info = await alice.GetDelegates(principal, true);
    equal(info.DelegateUserResponses.length, 1, 'delegate responses');
    const delegate = info.DelegateUserResponses[0].DelegateUser;
    equal(String(delegate.UserId.PrimarySmtpAddress).toLowerCase(), USER2.toLowerCase(), 'the delegate');
    assert(String(delegate.UserId.SID).startsWith('S-1-5-21-'), `the delegate's SID ${delegate.UserId.SID}`);
    equal(delegate.ViewPrivateItems, true, 'ViewPrivateItems');
    equal(delegate.ReceiveCopiesOfMeetingMessages, false, 'ReceiveCopiesOfMeetingMessages');
    equal(delegate.Permissions.CalendarFolderPermissionLevel, ews.DelegateFolderPermissionLevel.Editor, 'the Calendar level');
    equal(delegate.Permissions.InboxFolderPermissionLevel, ews.DelegateFolderPermissionLevel.Reviewer, 'the Inbox level');
    equal(delegate.Permissions.TasksFolderPermissionLevel, ews.DelegateFolderPermissionLevel.None, 'the Tasks level');
    equal(info.MeetingRequestsDeliveryScope, ews.MeetingRequestsDeliveryScope.DelegatesAndMe, 'MeetingRequestsDeliveryScope');
  }, ['add_delegates']);

  await s.step('update_delegates', async () => {
    const delegate = new ews.DelegateUser(USER2);
    delegate.Permissions.CalendarFolderPermissionLevel = ews.DelegateFolderPermissionLevel.Editor;
    delegate.ViewPrivateItems = false;
    const responses = await alice.UpdateDelegates(principal, ews.MeetingRequestsDeliveryScope.DelegatesAndSendInformationToMe, [delegate]);
    equal(responses[0].Result, ews.ServiceResult.Success, 'the delegate updated');
    const info = await alice.GetDelegates(principal, false);
    equal(info.DelegateUserResponses[0].DelegateUser.ViewPrivateItems, false, 'ViewPrivateItems after the update');
    equal(info.MeetingRequestsDeliveryScope, ews.MeetingRequestsDeliveryScope.DelegatesAndSendInformationToMe, 'the scope after the update');
  }, ['add_delegates']);

  await s.step('others_delegates_refused', async () => {
    let refused = null;
    try {
      await bob.GetDelegates(principal, true);
    } catch (error) {
      refused = error;
    }
    assert(refused, "RDV_USER2 read RDV_USER1's delegates");
    equal(refused.ErrorCode, ews.ServiceError.ErrorAccessDenied, 'the error');
  }, ['add_delegates']);

  await s.step('remove_delegates', async () => {
    const responses = await alice.RemoveDelegates(principal, [new ews.UserId(USER2)]);
    equal(responses[0].Result, ews.ServiceResult.Success, 'the delegate removed');
    const again = await alice.RemoveDelegates(principal, [new ews.UserId(USER2)]);
    equal(again[0].ErrorCode, ews.ServiceError.ErrorNotDelegate, 'removing it again');
    equal((await alice.GetDelegates(principal, true)).DelegateUserResponses.length, 0, 'delegates left');
  }, ['add_delegates']);

  await removeBob();
  s.finish();
}

main().catch((error) => {
  console.log(`FAIL unexpected: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
