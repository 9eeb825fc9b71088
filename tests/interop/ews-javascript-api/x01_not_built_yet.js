'use strict';
/*
 * EXPECTED TO FAIL: steps of capabilities Rendezvous has not built yet (notifications, issue 17),
 * driven through ews-javascript-api 0.15.3 as an EWS Managed API app would. The test suite does not
 * run this script (InteropTests runs the j*.js scripts only); run it by hand to measure how far the server has come:
 * each step prints `ok NAME` or `FAIL NAME: reason`, and the figure is the `# N ok, M failed` line.
 */
const { ews, USER1, PASSWORD1, service, runId, utc, Steps, assert } = require('./common');

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const Calendar = ews.WellKnownFolderName.Calendar;

  await s.step('pull_notifications', async () => {
    const subscription = await alice.SubscribeToPullNotifications([new ews.FolderId(Calendar)], 5, null, ews.EventType.Created);
    const appt = new ews.Appointment(alice);
    appt.Subject = `Notified ${tag}`;
    appt.Start = utc(2030, 1, 12, 9);
    appt.End = utc(2030, 1, 12, 10);
    await appt.Save(Calendar, ews.SendInvitationsMode.SendToNone);
    const events = await subscription.GetEvents();
    assert(events.ItemEvents.some((e) => e.ItemId.UniqueId === appt.Id.UniqueId), 'a Created event for the new item');
    await subscription.Unsubscribe();
  });

  await s.step('streaming_notifications', async () => {
    const subscription = await alice.SubscribeToStreamingNotifications([new ews.FolderId(Calendar)], ews.EventType.Created);
    assert(subscription.Id, 'a subscription id');
    await subscription.Unsubscribe();
  });

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
