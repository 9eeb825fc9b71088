'use strict';
/*
 * Notifications as an EWS Managed API app uses them, through ews-javascript-api 0.15.3 (issue 17 §1): a pull
 * subscription on two folders of its own sees a message created, changed, moved, copied and deleted, in order, by
 * GetEvents; a new subscription from the old watermark sees what happened in between; a streaming subscription on a
 * StreamingSubscriptionConnection gets the events of two subscriptions on one connection as they happen.
 */
const { ews, USER1, PASSWORD1, service, runId, Steps, assert, equal, waitFor } = require('./common');

async function main() {
  const s = new Steps();
  const tag = runId();
  const alice = service(USER1, PASSWORD1);
  const ItemEvents = [ews.EventType.Created, ews.EventType.Modified, ews.EventType.Moved, ews.EventType.Copied, ews.EventType.Deleted];

  async function folder(name) {
    const f = new ews.Folder(alice);
    f.DisplayName = `${name} ${tag}`;
    await f.Save(ews.WellKnownFolderName.MsgFolderRoot);
    return f.Id;
  }

  async function message(folderId, subject) {
    const m = new ews.EmailMessage(alice);
    m.Subject = subject;
    m.Body = new ews.MessageBody(ews.BodyType.Text, 'notified');
    await m.Save(folderId);
    return m;
  }

  /** Every item event of a pull subscription until it says no more are waiting. */
  async function pullAll(subscription) {
    const events = [];
    do {
      const results = await subscription.GetEvents();
      events.push(...results.ItemEvents);
    } while (subscription.MoreEventsAvailable);
    return events;
  }

  const kind = (e) => ews.EventType[e.EventType];

  await s.step('pull_subscription_sees_create_modify_move_copy_delete', async () => {
    const a = await folder('Pull A');
    const b = await folder('Pull B');
    const subscription = await alice.SubscribeToPullNotifications([a, b], 10, null, ...ItemEvents);
    assert(subscription.Id && subscription.Watermark, 'a subscription id and a watermark');
    const m = await message(a, `Pulled ${tag}`);
    const id = m.Id.UniqueId;
    m.Subject = `Pulled again ${tag}`;
    await m.Update(ews.ConflictResolutionMode.AlwaysOverwrite);
    const moved = await m.Move(b);
    const copy = await moved.Copy(a);
    await copy.Delete(ews.DeleteMode.HardDelete);
    const events = await pullAll(subscription);
    const seen = events.map((e) => `${kind(e)} ${e.ItemId.UniqueId}${e.OldItemId ? ` from ${e.OldItemId.UniqueId}` : ''}`);
    const expected = [
      `Created ${id}`,
      `Modified ${id}`,
      `Moved ${moved.Id.UniqueId} from ${id}`,
      `Copied ${copy.Id.UniqueId} from ${moved.Id.UniqueId}`,
      `Deleted ${copy.Id.UniqueId}`,
    ];
    equal(JSON.stringify(seen), JSON.stringify(expected), 'events');
    equal(events[2].ParentFolderId.UniqueId, b.UniqueId, 'the moved item is in B');
    equal(events[2].OldParentFolderId.UniqueId, a.UniqueId, 'it came from A');
    equal((await subscription.GetEvents()).ItemEvents.length, 0, 'nothing more');
    await subscription.Unsubscribe();
  });

  await s.step('pull_subscription_resumed_from_a_watermark', async () => {
    const a = await folder('Resume');
    const first = await alice.SubscribeToPullNotifications([a], 10, null, ews.EventType.Created);
    const watermark = first.Watermark;
    await first.Unsubscribe();
    const m = await message(a, `While away ${tag}`);
    const second = await alice.SubscribeToPullNotifications([a], 10, watermark, ews.EventType.Created);
    const events = await pullAll(second);
    assert(events.some((e) => e.EventType === ews.EventType.Created && e.ItemId.UniqueId === m.Id.UniqueId), 'the creation made between the two subscriptions');
    await second.Unsubscribe();
  });

  await s.step('streaming_two_subscriptions_on_one_connection', async () => {
    const a = await folder('Stream A');
    const b = await folder('Stream B');
    const first = await alice.SubscribeToStreamingNotifications([a], ews.EventType.Created, ews.EventType.Deleted);
    const second = await alice.SubscribeToStreamingNotifications([b], ews.EventType.Created);
    const connection = new ews.StreamingSubscriptionConnection(alice, 1);
    const seen = [];
    const errors = [];
    connection.AddSubscription(first);
    connection.AddSubscription(second);
    connection.OnNotificationEvent.push((sender, args) => {
      for (const e of args.Events) {
        if (e.ItemId) seen.push({ subscription: args.Subscription.Id, kind: kind(e), id: e.ItemId.UniqueId });
      }
    });
    connection.OnSubscriptionError.push((sender, args) => errors.push(args.Exception));
    // Note: the port's Open() resolves only when the connection ends (its hanging request's promise is never
    // resolved on connect, unlike the C# library's), so it is not awaited: the connection is open once IsOpen says so
    // (the server's first part, a keep-alive, arrived).
    connection.Open().catch((e) => errors.push(e));
    try {
      assert(await waitFor(async () => connection.IsOpen || null, 10000), 'the connection opened');
      const inA = await message(a, `Streamed A ${tag}`);
      const inB = await message(b, `Streamed B ${tag}`);
      await inA.Delete(ews.DeleteMode.HardDelete);
      await waitFor(async () => seen.length >= 3 || null, 20000);
      const line = (x) => `${x.subscription === first.Id ? 'first' : 'second'} ${x.kind} ${x.id}`;
      const got = seen.map(line).sort();
      const expected = [`first Created ${inA.Id.UniqueId}`, `first Deleted ${inA.Id.UniqueId}`, `second Created ${inB.Id.UniqueId}`].sort();
      equal(JSON.stringify(got), JSON.stringify(expected), 'events');
      equal(errors.length, 0, 'subscription errors');
    } finally {
      connection.Close();
    }

    await first.Unsubscribe();
    await second.Unsubscribe();
  });

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
