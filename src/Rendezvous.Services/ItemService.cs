using System.Globalization;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// GetItem, CreateItem, DeleteItem, MoveItem, CopyItem and SendItem, one entry at a time: each call is one item's
/// work and throws <see cref="DomainException"/> when that item fails. Meetings are left to <see cref="MeetingService"/>.
/// </summary>
public static class ItemService
{
    /// <summary>
    /// One item of a GetItem, counted against <paramref name="budget"/>; with <paramref name="withAttachmentBytes"/>
    /// (its MimeContent is asked for, which carries them) its attachments' bytes count too.
    /// </summary>
    public static async Task<Item> GetAsync(Session session, ItemRef reference, ItemReadBudget budget, bool withAttachmentBytes = false)
    {
        if (budget.Stopped)
        {
            throw BatchStopped(budget.Budget);
        }

        var item = await session.GetItemOrOccurrenceAsync(reference, FolderAction.ReadItems);
        // What the response will hold: attachments are listed by header, their bytes are not read (unless in MIME).
        var size = withAttachmentBytes ? item.Size : item.HeldSize;
        if (budget.Loaded > 0 && budget.Loaded + size > budget.Budget)
        {
            budget.Stopped = true;
            throw BatchStopped(budget.Budget);
        }

        budget.Loaded += size;
        if (budget.Loaded > session.Limits.LargeResponseItemBytes)
        {
            // Many megabytes held until the response is written: only a few such requests at once.
            await session.EnterLargeAsync();
        }

        return item;
    }

    private static DomainException BatchStopped(long budget) =>
        new(ErrorCode.BatchStopped, string.Create(CultureInfo.InvariantCulture,
            $"The response reached its limit of {budget} bytes of items (MaxResponseItemBytes); this item and the ones after it were not processed. Ask for them in another request."));

    /// <summary>One entry of a CreateItem: the items created that the caller gets the ids of.</summary>
    public static async Task<IReadOnlyList<Item>> CreateAsync(Session session, CreateItemOptions options, NewEntry entry) => entry switch
    {
        // Another organizer's meeting stored by its attendee (DavMail's PUT of a received invitation): an attendee's copy.
        NewCalendarItem c when ReceivedMeetings.IsReceived(c.Item, session.Mailbox) =>
            await ReceivedMeetingService.CreateAsync(session, c.Item, options.SavedFolder, options.Invitations, options.TimeZoneContext, Attach(session, c)),
        NewCalendarItem c => await MeetingService.CreateAsync(session, c.Item, options.SavedFolder, options.Invitations, options.TimeZoneContext, Attach(session, c)),
        NewMessage m => await CreateMessageAsync(session, m.Item, options.SavedFolder, options.Disposition, Attach(session, m)),
        NewPlainItem p => await CreatePlainAsync(session, p.Item, options.SavedFolder, Attach(session, p)),
        NewMeetingResponse r => await MeetingService.RespondAsync(session, r.Kind, r.Response, options.Disposition, options.SavedFolder),
        NewCancellation c => await MeetingService.CancelAsync(session, c.Response, options.Disposition, options.SavedFolder),
        NewRemoval r => await MeetingService.RemoveAsync(session, r.Response),
        NewReply r => await ReplyOrForwardAsync(session, r.Kind, r.Response, options.SavedFolder, options.Disposition),
        _ => throw new ArgumentOutOfRangeException(nameof(entry), entry, "Unknown kind of new entry."),
    };

    /// <summary>A new item's inline attachments, checked, with their headers on the item (their bytes are stored with it).</summary>
    private static IReadOnlyList<NewAttachment> Attach(Session session, NewEntry entry)
    {
        if (entry.Attachments.Count == 0)
        {
            return [];
        }

        var attachments = AttachmentService.Prepare(session, entry.Attachments);
        var item = entry switch
        {
            NewCalendarItem c => c.Item,
            NewMessage m => m.Item,
            NewPlainItem p => p.Item,
            _ => throw new DomainException(ErrorCode.InvalidOperation, "Only a new item can have attachments."),
        };
        item.Attachments = AttachmentService.TopHeaders(attachments);
        return attachments;
    }

    /// <summary>An item no workflow acts on yet: saved as given in the folder named, or its kind's default folder.</summary>
    private static async Task<IReadOnlyList<Item>> CreatePlainAsync(Session session, Item item, FolderRef? savedFolder, IReadOnlyList<NewAttachment> attachments)
    {
        var fallback = item.Kind switch
        {
            ItemKind.Contact or ItemKind.DistributionList => "contacts",
            ItemKind.Task => "tasks",
            _ => "drafts",
        };
        var folder = (await session.AccessFolderAsync(savedFolder, fallback, FolderAction.CreateItems)).Folder;
        RequireFolderFor(item.Kind, folder);
        Stamp(session, item, folder, session.Now);
        var changes = new ChangeSet();
        changes.Inserts.Add(item);
        AttachmentService.Distribute(changes, attachments, null, [item]);
        await session.Store.ApplyAsync(changes, session.Cancellation);
        return [item];
    }

    /// <summary>
    /// A folder of one item type refuses the items of another ("CreateItem operation (contact)" and the ResponseCode
    /// list): a contact or list goes in no calendar, task, notes or journal folder, a task in no calendar, contact,
    /// notes or journal folder, a post in none of them. A mail folder (IPF.Note) takes any item, as it has since
    /// issue 14, and a generic item goes anywhere (a sticky note in Notes, a journal entry in Journal).
    /// </summary>
    private static void RequireFolderFor(ItemKind kind, Folder folder)
    {
        var folderClass = folder.FolderClass ?? "IPF.Note";
        bool Is(string prefix) => folderClass == prefix || folderClass.StartsWith(prefix + ".", StringComparison.Ordinal);
        var appointments = Is("IPF.Appointment");
        var contacts = Is("IPF.Contact");
        var tasks = Is("IPF.Task");
        var notesOrJournal = Is("IPF.StickyNote") || Is("IPF.Journal");
        switch (kind)
        {
            case ItemKind.Contact or ItemKind.DistributionList when appointments || tasks || notesOrJournal:
                throw new DomainException(ErrorCode.ContactOutsideContactFolder, "Cannot create a contact in a non-contact Folder.");
            case ItemKind.Task when appointments || contacts || notesOrJournal:
                throw new DomainException(ErrorCode.TaskOutsideTaskFolder, "Cannot create a task in a non-task Folder.");
            case ItemKind.PostItem when appointments || contacts || tasks || notesOrJournal:
                throw new DomainException(ErrorCode.PostOutsideMailFolder, "Cannot create a post item in a folder that is not a mail folder.");
            default:
                break;
        }
    }

    private static async Task<IReadOnlyList<Item>> CreateMessageAsync(Session session, Item item, FolderRef? savedFolder, string? disposition, IReadOnlyList<NewAttachment> attachments)
    {
        if (disposition is null)
        {
            throw new DomainException(ErrorCode.DispositionRequired, "MessageDisposition is required for messages.");
        }

        return await SaveOrSendAsync(session, item, savedFolder, disposition, attachments);
    }

    /// <summary>
    /// SaveOnly keeps a draft (its id is returned); the Send dispositions send, keeping a copy when asked, and return no
    /// ids. The attachments are new ones (<paramref name="attachments"/>) or those of the stored item <paramref name="attachmentsOf"/>.
    /// </summary>
    private static async Task<IReadOnlyList<Item>> SaveOrSendAsync(Session session, Item item, FolderRef? savedFolder, string disposition, IReadOnlyList<NewAttachment> attachments, string? attachmentsOf = null)
    {
        if (item.Kind == ItemKind.Message)
        {
            await ConversationService.JoinAsync(session, item);
        }

        var changes = new ChangeSet();
        if (disposition == SchemaValues.MessageDispositionType.SaveOnly)
        {
            var folder = (await session.AccessFolderAsync(savedFolder, "drafts", FolderAction.CreateItems)).Folder;
            item.IsDraft = folder.DistinguishedName == "drafts";
            item.IsRead ??= true;
            Stamp(session, item, folder, session.Now);
            changes.Inserts.Add(item);
            AttachmentService.Distribute(changes, attachments, attachmentsOf, [item]);
            await session.Store.ApplyAsync(changes, session.Cancellation);
            return [item];
        }

        await SendAsync(session, item, disposition == SchemaValues.MessageDispositionType.SendAndSaveCopy ? () => session.ResolveFolderAsync(savedFolder, "sentitems") : null, changes, attachments, attachmentsOf);
        return []; // Exchange returns no ids for sent messages.
    }

    /// <summary>
    /// ReplyToItem, ReplyAllToItem and ForwardItem: a new message from the referenced item (a message, a meeting message
    /// or a calendar item, whose organizer is its sender), quoting it below the new text.
    /// </summary>
    private static async Task<IReadOnlyList<Item>> ReplyOrForwardAsync(Session session, ReplyKind kind, ResponseObject response, FolderRef? savedFolder, string? disposition)
    {
        var sending = MeetingService.RequireDisposition(disposition, response);
        var reference = MeetingService.RequireReference(response, "the item it answers");
        var original = await session.GetOwnItemAsync(reference);
        var me = session.Address;
        var author = original.From ?? original.Sender ?? original.Organizer;
        var forward = kind == ReplyKind.Forward;
        List<EmailAddress> to = forward || author is null ? [] : [author];
        List<EmailAddress> cc = [];
        if (kind == ReplyKind.ReplyAll)
        {
            var everyone = original.Kind == ItemKind.CalendarItem
                ? CalendarRules.AllAttendees(original).Select(a => a.Mailbox)
                : (original.ToRecipients ?? []).AsEnumerable();
            to.AddRange(everyone.Where(r => !r.Is(me)));
            cc.AddRange((original.CcRecipients ?? []).Where(r => !r.Is(me)));
        }

        to.AddRange(response.ToRecipients);
        cc.AddRange(response.CcRecipients);
        if (to.Count + cc.Count + response.BccRecipients.Count == 0)
        {
            throw new DomainException(ErrorCode.InvalidRecipients, "The message has no recipients: a forward needs ToRecipients.");
        }

        var message = new Item
        {
            Kind = ItemKind.Message,
            ItemClass = "IPM.Note",
            Subject = response.Subject ?? (forward ? "FW: " : "RE: ") + original.Subject,
            Body = Quote(response, original),
            ToRecipients = [.. to.DistinctBy(r => r.Address, StringComparer.OrdinalIgnoreCase)],
            CcRecipients = cc.Count > 0 ? [.. cc.DistinctBy(r => r.Address, StringComparer.OrdinalIgnoreCase)] : null,
            BccRecipients = response.BccRecipients.Count > 0 ? [.. response.BccRecipients] : null,
            InReplyTo = forward ? null : original.InternetMessageId,
            References = original.InternetMessageId,
            // A forward carries the original's attachments (copied row by row in the store); a reply does not.
            Attachments = forward && original.Attachments is { } kept ? [.. kept] : null,
        };
        // A reply or forward joins its original's conversation, with a child block of its own.
        Conversations.Assign(message, original, session.Now, Guid.NewGuid());
        return await SaveOrSendAsync(session, message, savedFolder, sending, [], forward && message.Attachments is not null ? original.Id : null);
    }

    /// <summary>The new text above the original, as Outlook lays out a reply; a Body (not NewBodyContent) replaces it all.</summary>
    private static Body? Quote(ResponseObject response, Item original)
    {
        if (response.Body is { } body && !response.BodyIsNewContent)
        {
            return body;
        }

        var quoted = original.Body;
        if (quoted is null || (response.Body is { } added && added.BodyType != quoted.BodyType))
        {
            return response.Body ?? quoted;
        }

        var separator = quoted.BodyType == SchemaValues.BodyTypeType.HTML ? "<hr/>" : "\r\n\r\n-----Original Message-----\r\n";
        return new Body(quoted.BodyType, (response.Body?.Text ?? "") + separator + quoted.Text);
    }

    /// <summary>One draft of a SendItem: sent, optionally keeping a copy (in Sent Items unless told otherwise).</summary>
    public static async Task SendAsync(Session session, SendItemOptions options, ItemRef reference)
    {
        var draft = await session.GetOwnItemAsync(reference);
        if (draft.Kind == ItemKind.MeetingResponse && draft.IsDraft)
        {
            await MeetingService.SendResponseDraftAsync(session, draft, options.SaveCopy, options.SavedFolder);
            return;
        }

        if (draft.Kind != ItemKind.Message)
        {
            throw new DomainException(ErrorCode.NotSendable, "Only messages can be sent with SendItem.");
        }

        var changes = new ChangeSet();
        changes.Deletes.Add(draft.Id);
        var item = draft.Clone();
        item.IsDraft = false;
        // The draft's attachment rows are copied to every delivered copy before the draft is deleted (same change set).
        await SendAsync(session, item, options.SaveCopy ? () => session.ResolveFolderAsync(options.SavedFolder, "sentitems") : null, changes, [], item.Attachments is null ? null : draft.Id);
    }

    /// <summary>Delivers a message to its local recipients' Inboxes and keeps a copy where asked, in one change set.</summary>
    private static async Task SendAsync(Session session, Item item, Func<Task<Folder>>? copyTo, ChangeSet changes, IReadOnlyList<NewAttachment> attachments, string? attachmentsOf)
    {
        var now = session.Now;
        var sending = await SendingRights.DecideAsync(session, item.From, item.Sender);
        item.From = sending.From;
        item.Sender = sending.Sender;
        item.DateTimeSent = now;
        item.IsSubmitted = true;
        item.InternetMessageId ??= $"<{Guid.NewGuid():N}@rendezvous>";
        var delivered = new List<UserRecord>();
        foreach (var recipient in (item.ToRecipients ?? []).Concat(item.CcRecipients ?? []).Concat(item.BccRecipients ?? [])
                     .DistinctBy(r => r.Address, StringComparer.OrdinalIgnoreCase))
        {
            var user = await session.Store.FindUserAsync(recipient.Address, session.Cancellation);
            if (user is null)
            {
                continue; // External delivery is not implemented; the message still counts as sent.
            }

            var inbox = await session.Store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", session.Cancellation);
            var copy = item.Clone();
            copy.BccRecipients = null;
            // The sender's categories are their own: Exchange's transport removes them, so a recipient's copy has none.
            copy.Categories = null;
            copy.IsRead = false;
            copy.DateTimeReceived = now;
            copy.ReceivedBy = recipient;
            Stamp(session, copy, inbox!, now);
            changes.Inserts.Add(copy);
            delivered.Add(user);
        }

        if (copyTo is not null)
        {
            var sent = await copyTo();
            var copy = item.Clone();
            copy.IsRead = true;
            Stamp(session, copy, sent, now);
            changes.Inserts.Add(copy);
        }

        // Each recipient's copy holds the attachments (the new ones stored once, under the first copy, then copied).
        AttachmentService.Distribute(changes, attachments, attachmentsOf, item.Attachments is null ? [] : changes.Inserts);
        await session.Store.ApplyAsync(changes, session.Cancellation);

        // Once delivered: the recipients who are out of office answer (never a failure of this send).
        await OofService.ReplyAsync(session, item, delivered);
    }

    /// <summary>Gives a new item its id, place and times (the store numbers it when it applies the change set).</summary>
    public static void Stamp(Session session, Item item, Folder folder, DateTime now)
    {
        item.Id = EwsIds.NewItemId(folder.MailboxId);
        item.MailboxId = folder.MailboxId;
        item.FolderId = folder.Id;
        item.DateTimeCreated = now;
        item.DateTimeReceived ??= now;
        item.LastModifiedTime = now;
        item.LastModifiedName = session.User.DisplayName;
        item.FieldChanges.Clear();
        // Another's folder, through a permission: the item is the caller's there (what EditItems and DeleteItems Owned cover).
        item.CreatedBy = folder.MailboxId == session.MailboxId ? null : session.MailboxId;
    }

    /// <summary>One item of a DeleteItem.</summary>
    public static async Task DeleteAsync(Session session, DeleteItemOptions options, ItemRef reference)
    {
        var found = await session.AccessItemAsync(reference, FolderAction.DeleteItem);
        if (!found.Access.IsOwner)
        {
            // Allowed: the deletion is then the owner's (their Deleted Items, their dumpster). A folder permission sends
            // nothing in the owner's name, so a meeting deleted so sends no cancellation.
            var cancellations = options.Cancellations is null ? null : SchemaValues.CalendarItemCreateOrDeleteOperationType.SendToNone;
            await DeleteAsync(await session.AsOwnerAsync(found.Access), options with { Cancellations = cancellations }, reference);
            return;
        }

        var (item, index) = (found.Item, found.InstanceIndex);
        if (item.Kind == ItemKind.CalendarItem && options.Cancellations is null)
        {
            throw new DomainException(ErrorCode.CancellationsRequired, "SendMeetingCancellations is required when calendar items are deleted.");
        }

        if (index is int n)
        {
            await DeleteOccurrenceAsync(session, options, reference, item, n);
            return;
        }

        if (item.Kind == ItemKind.Task && options.AffectedTaskOccurrences == SchemaValues.AffectedTaskOccurrencesType.SpecifiedOccurrenceOnly
            && options.Tasks is { } tasks && await DeleteTaskOccurrenceAsync(session, tasks, reference))
        {
            return;
        }

        var mode = options.Mode;
        var folder = await session.Store.GetFolderAsync(item.FolderId, session.Cancellation);
        if (item.Kind == ItemKind.CalendarItem && item.IsMeeting && options.Cancellations != SchemaValues.CalendarItemCreateOrDeleteOperationType.SendToNone && !item.IsCancelled
            && item.IsOrganizedBy(session.Address))
        {
            var to = mode == DeleteMode.HardDelete ? (Place?)null
                : Place.In(session.Mailbox, mode == DeleteMode.MoveToDeletedItems && folder?.DistinguishedName != "deleteditems" ? "deleteditems" : "recoverableitemsdeletions");
            await MeetingService.DeleteMeetingAsync(session, reference, options.Cancellations!, to);
            return;
        }

        var changes = new ChangeSet();
        if (mode == DeleteMode.MoveToDeletedItems && folder?.DistinguishedName != "deleteditems")
        {
            var deleted = await session.ResolveFolderAsync(null, "deleteditems");
            changes.Move(item.Id, Relocate(session, item, deleted));
        }
        else if (mode != DeleteMode.HardDelete && folder?.DistinguishedName != "recoverableitemsdeletions")
        {
            // SoftDelete, or MoveToDeletedItems from Deleted Items: the item goes to the dumpster, recoverable.
            var dumpster = await session.ResolveFolderAsync(null, "recoverableitemsdeletions");
            changes.Move(item.Id, Relocate(session, item, dumpster));
        }
        else
        {
            changes.Deletes.Add(item.Id);
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
    }

    /// <summary>
    /// DeleteItem SpecifiedOccurrenceOnly of a recurring task: its current occurrence goes and the series moves on to the
    /// next one, under its id. False when the task recurs no more after it (or never did): then the task itself is deleted.
    /// </summary>
    private static async Task<bool> DeleteTaskOccurrenceAsync(Session session, ITaskFields tasks, ItemRef reference)
    {
        var advanced = false;
        await MeetingRunner.RunOnItemAsync(session, reference, stored =>
        {
            var decision = new Decision();
            advanced = false;
            if (RecurringTasks.WithoutCurrent(tasks.Read(stored), session.Now) is { } next)
            {
                var after = stored.Clone();
                tasks.Advance(after, next);
                after.StampModified(session.Now);
                after.LastModifiedName = session.User.DisplayName;
                decision.Update(new PlacedItem(stored, null), after);
                advanced = true;
            }

            return Task.FromResult(decision);
        });
        return advanced;
    }

    /// <summary>
    /// DeleteItem of one occurrence or exception: recorded in its master's DeletedOccurrences, whatever the DeleteType
    /// (an occurrence is no item to move to Deleted Items); when it was the series' last occurrence, the series goes.
    /// </summary>
    private static async Task DeleteOccurrenceAsync(Session session, DeleteItemOptions options, ItemRef reference, Item master, int index)
    {
        // The organizer's meeting tells its attendees, whose series lose the occurrence too (the meeting workflow).
        var emptied = false;
        await MeetingRunner.RunAsync(session, MeetingKey.Of(master), async () =>
        {
            var (stored, _) = await session.ResolveItemAsync(reference);
            if (OccurrenceEdits.Delete(stored, index) is { } after)
            {
                return await MeetingService.DeleteOccurrenceAsync(session, stored, after, OccurrenceEdits.Current(stored, index), options.Cancellations!);
            }

            emptied = true;
            return new Decision();
        });
        if (emptied)
        {
            await DeleteAsync(session, options, new ItemRef(master.Id, null));
        }
    }

    /// <summary>
    /// A copy of <paramref name="item"/> in <paramref name="folder"/> with a new id: a move is a copy and a delete,
    /// so a moved item has a new id, as in Exchange.
    /// </summary>
    public static Item Relocate(Session session, Item item, Folder folder)
    {
        var copy = item.Clone();
        copy.Id = EwsIds.NewItemId(folder.MailboxId);
        copy.FolderId = folder.Id;
        copy.MailboxId = folder.MailboxId;
        copy.LastModifiedTime = session.Now;
        return copy;
    }

    /// <summary>
    /// One item of a MoveItem or CopyItem to <paramref name="target"/> (the destination, resolved once for the request,
    /// or the reason there is none): the new items whose ids are returned.
    /// </summary>
    public static async Task<IReadOnlyList<Item>> MoveOrCopyAsync(Session session, MoveItemOptions options, ItemRef reference, Func<Folder> target)
    {
        // Read at the source, and for a move delete there too; create at the target (checked when it was resolved).
        var found = await session.AccessItemAsync(reference, FolderAction.ReadItems);
        if (options.Move)
        {
            if (!found.Access.Can(FolderAction.DeleteItem, found.Item))
            {
                throw Session.Denied();
            }

            await session.AccountAsync(found.Access, FolderAction.DeleteItem);
        }

        var (item, index) = (found.Item, found.InstanceIndex);
        if (index is int n)
        {
            // An occurrence lives in its master: the series moves or copies as a whole, through the master (responsecode.md).
            OccurrenceEdits.Current(item, n);
            throw new DomainException(ErrorCode.CannotMoveOrCopyOccurrence, "An occurrence of a recurring series cannot be moved or copied; move or copy its recurring master.");
        }

        var to = target();
        var copy = Relocate(session, item, to);
        copy.CreatedBy = to.MailboxId == session.MailboxId ? null : session.MailboxId;
        if (!options.Move)
        {
            copy.DateTimeCreated = session.Now;
        }

        var changes = new ChangeSet();
        if (options.Move)
        {
            changes.Move(item.Id, copy);
        }
        else
        {
            changes.Copy(item.Id, copy);
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
        return options.ReturnNewIds ? [copy] : [];
    }
}
