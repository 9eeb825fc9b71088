using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// UpdateItem with the ChangeKey rules: NeverOverwrite refuses any stale ChangeKey; AutoResolve refuses a stale one
/// only when a field it sets was changed since that ChangeKey; AlwaysOverwrite overwrites. A stale ChangeKey never
/// silently overwrites a field another writer changed.
/// </summary>
public static class UpdateItemService
{
    /// <summary>One ItemChange: the item as it is after it.</summary>
    public static async Task<Item> UpdateAsync(Session session, UpdateItemOptions options, ItemChange change)
    {
        var reference = change.Reference;
        var found = await session.AccessItemAsync(reference, FolderAction.EditItem);
        if (!found.Access.IsOwner)
        {
            // Allowed: the update is then the owner's. A folder permission sends nothing in the owner's name, so a
            // meeting changed so sends no update.
            var mode = options.MeetingMode is null ? null : SchemaValues.CalendarItemUpdateOperationType.SendToNone;
            return await UpdateAsync(await session.AsOwnerAsync(found.Access), options with { MeetingMode = mode }, change);
        }

        var (first, index) = (found.Item, found.InstanceIndex);
        if (index is int n)
        {
            return await UpdateOccurrenceAsync(session, options, change, first, n);
        }

        // A write that lost a race is decided again on the fresh item (the ChangeKey rules then apply to it).
        var results = await MeetingRunner.RunOnItemAsync(session, reference, async stored =>
        {
            if (stored.Kind == ItemKind.CalendarItem && options.MeetingMode is null)
            {
                throw new DomainException(ErrorCode.InvitationsOrCancellationsRequired, "SendMeetingInvitationsOrCancellations is required when calendar items are updated.");
            }

            var item = Decide(session, stored, reference, change.Updates, options.Conflict);
            if (item.Kind == ItemKind.CalendarItem)
            {
                return await MeetingService.UpdateAsync(session, stored, item, options.MeetingMode);
            }

            if (item.Kind == ItemKind.Task && options.Tasks is { } tasks)
            {
                return UpdateTask(session, tasks, stored, item);
            }

            var decision = new Decision();
            decision.Results.Add(decision.Update(new PlacedItem(stored, null), item));
            return decision;
        });
        return results[0];
    }

    /// <summary>
    /// A task's update, with the recurring task rules (updateitem-operation-task.md): when it completes the current
    /// occurrence of a series, or moves the dates of one that does not regenerate, that occurrence becomes a one-off task
    /// (the answer: "a new Id and ChangeKey that represent a newly created one-off task") and the series, under its own
    /// id, moves on to its next occurrence. The last occurrence completed is the task itself, completed, recurring no more.
    /// </summary>
    private static Decision UpdateTask(Session session, ITaskFields tasks, Item stored, Item after)
    {
        var decision = new Decision();
        var placed = new PlacedItem(stored, null);
        var (outcome, next) = RecurringTasks.AfterUpdate(tasks.Read(stored), tasks.Read(after), session.Now);
        switch (outcome)
        {
            case TaskOutcome.Regenerate:
                var oneOff = after.Clone();
                tasks.MakeOneOff(oneOff);
                oneOff.DateTimeCreated = default;
                oneOff.DateTimeReceived = null;
                decision.Create(oneOff, Place.ById(stored.MailboxId, stored.FolderId), MeetingRunner.Context(session));
                decision.CopyAttachments(stored, oneOff);
                tasks.Advance(after, next!);
                decision.Update(placed, after);
                decision.Results.Add(oneOff);
                break;
            case TaskOutcome.LastCompleted:
                tasks.MakeOneOff(after);
                decision.Results.Add(decision.Update(placed, after));
                break;
            default:
                decision.Results.Add(decision.Update(placed, after));
                break;
        }

        return decision;
    }

    /// <summary>
    /// An ItemChange of one occurrence (an OccurrenceItemId or the occurrence's own ItemId): the occurrence, or the
    /// exception it already is, changed as an item of its own and stored on its master as an exception; the answer is
    /// the exception, with its own id and the master's new ChangeKey ("How to update a recurring series by using EWS").
    /// </summary>
    private static async Task<Item> UpdateOccurrenceAsync(Session session, UpdateItemOptions options, ItemChange change, Item master, int index)
    {
        if (options.MeetingMode is null)
        {
            throw new DomainException(ErrorCode.InvitationsOrCancellationsRequired, "SendMeetingInvitationsOrCancellations is required when calendar items are updated.");
        }

        // The organizer's meeting sends the update for this occurrence alone (the meeting workflow).
        var results = await MeetingRunner.RunAsync(session, MeetingKey.Of(master), async () =>
        {
            var (stored, _) = await session.ResolveItemAsync(change.Reference);
            var occurrence = OccurrenceEdits.Current(stored, index);
            var edited = Decide(session, occurrence, change.Reference, change.Updates, options.Conflict);
            return await MeetingService.UpdateOccurrenceAsync(session, stored, OccurrenceEdits.Change(stored, index, edited), occurrence.OriginalStart!.Value, options.MeetingMode);
        });
        return OccurrenceEdits.Current(results[0], index);
    }

    /// <summary>
    /// One ItemChange with the request's MessageDisposition: a message (or a meeting response draft) is updated, then
    /// sent as SendItem sends a draft when the disposition is SendOnly or SendAndSaveCopy (in Sent Items unless
    /// SavedItemFolderId names another folder); as in Exchange, a sent one is answered with no item (null).
    /// </summary>
    public static async Task<Item?> UpdateOrSendAsync(Session session, UpdateItemOptions options, ItemChange change)
    {
        var sends = options.Disposition is SchemaValues.MessageDispositionType.SendOnly or SchemaValues.MessageDispositionType.SendAndSaveCopy;
        if (sends && EwsIds.IsItemId(change.Reference.Id) && (await session.Store.GetItemAsync(change.Reference.Id, session.Cancellation))?.MailboxId is { } owner && owner != session.MailboxId)
        {
            // A folder permission lets the caller change another's draft, never send it as them (that is send-as).
            await session.AccessItemAsync(change.Reference, FolderAction.EditItem);
            throw new DomainException(ErrorCode.SendAsDenied, "The caller may not send as the mailbox's owner.");
        }

        var item = await UpdateAsync(session, options, change);
        if (!sends || !(item.Kind == ItemKind.Message || (item.Kind == ItemKind.MeetingResponse && item.IsDraft)))
        {
            return item;
        }

        var saveCopy = options.Disposition == SchemaValues.MessageDispositionType.SendAndSaveCopy;
        await ItemService.SendAsync(session, new SendItemOptions(saveCopy, options.SavedFolder), new ItemRef(item.Id, ChangeKeys.Encode(item.ChangeNumber)));
        return null;
    }

    private static Item Decide(Session session, Item stored, ItemRef reference, IReadOnlyList<FieldUpdate> updates, ConflictMode conflict)
    {
        long? clientVersion = null;
        if (reference.ChangeKey is { Length: > 0 } key && ChangeKeys.TryDecode(key, out var n))
        {
            clientVersion = n;
        }
        else if (conflict != ConflictMode.AlwaysOverwrite)
        {
            throw new DomainException(ErrorCode.ChangeKeyRequired, "A ChangeKey is required for this update (use ConflictResolution AlwaysOverwrite to update without one).");
        }

        var stale = clientVersion is { } v && v != stored.ChangeNumber;
        if (stale && conflict == ConflictMode.NeverOverwrite)
        {
            throw new DomainException(ErrorCode.Conflict, "The item has changed since its ChangeKey was read. Retrieve the updated change key and try again.");
        }

        var item = stored.Clone();
        var touched = new List<string>();
        foreach (var update in updates)
        {
            var path = update.Path;
            var uri = path.Describe();
            if (stale && conflict == ConflictMode.AutoResolve && item.FieldChanges.TryGetValue(uri, out var changedAt) && changedAt > clientVersion)
            {
                throw new DomainException(ErrorCode.Conflict, $"'{Values.Excerpt(uri)}' was changed by someone else since this ChangeKey. Retrieve the updated change key and try again.");
            }

            switch (update.Action)
            {
                case UpdateAction.Set:
                    update.Value!.SetOn(item);
                    break;
                case UpdateAction.Append:
                    update.Value!.AppendTo(item);
                    break;
                default:
                    (update.Removal ?? throw new DomainException(ErrorCode.PropertyNotDeletable, $"The property '{path.Describe()}' cannot be deleted."))
                        .DeleteFrom(item);
                    break;
            }

            touched.Add(uri);
        }

        if (item.Kind == ItemKind.CalendarItem)
        {
            item.IsMeeting = item.IsMeeting || CalendarRules.HasAttendees(item);
            // A MimeContent set gives the times with their zones: they are not the wall clock of a zone change.
            var mime = touched.Contains("item:MimeContent");
            CalendarRules.KeepWallClock(stored, item, mime || touched.Contains("calendar:Start"), mime || touched.Contains("calendar:End"));
            CalendarRules.SnapAllDay(item);
            CalendarRules.Validate(item);
            if (mime)
            {
                RecurringMaster.AfterContentReplaced(item);
            }
            else
            {
                RecurringMaster.AfterUpdate(stored, item);
            }
        }

        foreach (var uri in touched)
        {
            item.FieldChanges[uri] = ChangeSet.ThisChange;
        }

        item.StampModified(session.Now);
        item.LastModifiedName = session.User.DisplayName;
        return item;
    }
}
