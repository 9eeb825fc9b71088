using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>CreateItem: messages here; calendar items and meeting response objects in <see cref="MeetingHandlers"/>.</summary>
public static class CreateItemHandler
{
    public static async Task<Action<EwsWriter>> CreateItem(EwsRequest request)
    {
        var op = request.Operation;
        var disposition = OptionalEnum(op, "MessageDisposition", Values.MessageDispositions, "MessageDispositionType");
        var invitations = OptionalEnum(op, "SendMeetingInvitations", Values.CalendarCreateOrDeleteModes, "CalendarItemCreateOrDeleteOperationType");
        var savedFolder = op.Element(Protocol.Ews.M + "SavedItemFolderId")?.Elements().SingleOrDefault() is { } f ? ItemReader.ReadFolderRef(f) : null;
        var items = await request.BatchAsync(op.Element(Protocol.Ews.M + "Items") ?? throw SoapRequest.Schema(op, "CreateItem needs Items."),
            request.Limits.MaxItemsPerCreate, "items", nameof(RequestLimits.MaxItemsPerCreate));

        var outcomes = await request.PerItemAsync(items, async e => e.Name.LocalName switch
        {
            "CalendarItem" => await MeetingHandlers.CreateAsync(request, e, savedFolder, invitations),
            "Message" => await CreateMessageAsync(request, e, savedFolder, disposition),
            "Item" or "Contact" or "DistributionList" or "Task" or "PostItem" => await CreatePlainAsync(request, e, savedFolder),
            "AcceptItem" or "TentativelyAcceptItem" or "DeclineItem" => await MeetingHandlers.RespondAsync(request, e, disposition, savedFolder),
            "CancelCalendarItem" => await MeetingHandlers.CancelAsync(request, e, disposition, savedFolder),
            "RemoveItem" => await MeetingHandlers.RemoveAsync(request, e),
            "ReplyToItem" or "ReplyAllToItem" or "ForwardItem" => await ReplyOrForwardAsync(request, e, savedFolder, disposition),
            _ => throw SoapRequest.Schema(e, $"Creating a '{Values.Excerpt(e.Name.LocalName)}' is not supported."),
        });

        return EwsRequest.Respond("CreateItem", outcomes, (w, created) => request.WriteItems(w, created, EwsRequest.IdOnly), itemsOnError: true);
    }

    public static string? OptionalEnum(XElement op, string attribute, IReadOnlySet<string> allowed, string typeName)
    {
        var a = op.Attribute(attribute);
        return a is null ? null : Values.Enum(a, a.Value, allowed, typeName);
    }

    private static async Task<IReadOnlyList<Item>> CreateMessageAsync(EwsRequest request, XElement element, FolderRef? savedFolder, string? disposition)
    {
        if (disposition is null)
        {
            throw new EwsException(ResponseCodes.ErrorMessageDispositionRequired, "MessageDisposition is required for messages.");
        }

        return await SaveOrSendAsync(request, ItemReader.ReadNewItem(element, request.ReadContext), element, savedFolder, disposition);
    }

    /// <summary>
    /// The items no workflow acts on yet (a generic Item, Contact, DistributionList, Task, PostItem): saved as given in
    /// the folder named, or their kind's default folder.
    /// </summary>
    private static async Task<IReadOnlyList<Item>> CreatePlainAsync(EwsRequest request, XElement element, FolderRef? savedFolder)
    {
        var item = ItemReader.ReadNewItem(element, request.ReadContext);
        var fallback = item.Kind switch
        {
            ItemKind.Contact or ItemKind.DistributionList => "contacts",
            ItemKind.Task => "tasks",
            _ => "drafts",
        };
        var folder = await request.ResolveFolderAsync(savedFolder ?? new FolderRef(null, fallback, null, element));
        Stamp(request, item, folder, request.Now);
        var changes = new ChangeSet();
        changes.Inserts.Add(item);
        await request.Store.ApplyAsync(changes, request.Cancellation);
        return [item];
    }

    /// <summary>SaveOnly keeps a draft (its id is returned); the Send dispositions send, keeping a copy when asked, and return no ids.</summary>
    private static async Task<IReadOnlyList<Item>> SaveOrSendAsync(EwsRequest request, Item item, XElement element, FolderRef? savedFolder, string disposition)
    {
        var changes = new ChangeSet();
        if (disposition == "SaveOnly")
        {
            var folder = await request.ResolveFolderAsync(savedFolder ?? new FolderRef(null, "drafts", null, element));
            item.IsDraft = folder.DistinguishedName == "drafts";
            item.IsRead ??= true;
            Stamp(request, item, folder, request.Now);
            changes.Inserts.Add(item);
            await request.Store.ApplyAsync(changes, request.Cancellation);
            return [item];
        }

        await SendAsync(request, item, disposition == "SendAndSaveCopy" ? savedFolder ?? new FolderRef(null, "sentitems", null, element) : null, changes);
        return []; // Exchange returns no ids for sent messages.
    }

    /// <summary>
    /// ReplyToItem, ReplyAllToItem and ForwardItem: a new message from the referenced item (a message, a meeting message
    /// or a calendar item, whose organizer is its sender), quoting it below the new text.
    /// </summary>
    private static async Task<IReadOnlyList<Item>> ReplyOrForwardAsync(EwsRequest request, XElement element, FolderRef? savedFolder, string? disposition)
    {
        var response = ItemReader.ReadResponseObject(element, request.ReadContext);
        var sending = MeetingHandlers.RequireDisposition(disposition, element);
        var reference = MeetingHandlers.RequireReference(response, "the item it answers");
        var original = await request.GetOwnItemAsync(reference);
        var me = request.User.Address;
        var author = original.From ?? original.Sender ?? original.Organizer;
        var forward = element.Name.LocalName == "ForwardItem";
        List<EmailAddress> to = forward || author is null ? [] : [author];
        List<EmailAddress> cc = [];
        if (element.Name.LocalName == "ReplyAllToItem")
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
            throw new EwsException(ResponseCodes.ErrorInvalidRecipients, "The message has no recipients: a forward needs ToRecipients.");
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
        };
        return await SaveOrSendAsync(request, message, element, savedFolder, sending);
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

    /// <summary>SendItem: sends saved drafts, optionally keeping a copy (in Sent Items unless told otherwise).</summary>
    public static async Task<Action<EwsWriter>> SendItem(EwsRequest request)
    {
        var op = request.Operation;
        var save = Values.Bool(op, ItemReader.RequiredAttribute(op, "SaveItemToFolder"));
        var savedFolder = op.Element(Protocol.Ews.M + "SavedItemFolderId")?.Elements().SingleOrDefault() is { } f ? ItemReader.ReadFolderRef(f) : null;
        var ids = await request.IdsAsync(EwsRequest.Required(op, "ItemIds"));
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            var draft = await request.GetOwnItemAsync(ItemReader.ReadItemRef(e));
            if (draft.Kind == ItemKind.MeetingResponse && draft.IsDraft)
            {
                await MeetingHandlers.SendResponseDraftAsync(request, draft, save, savedFolder);
                return true;
            }

            if (draft.Kind != ItemKind.Message)
            {
                throw new EwsException(ResponseCodes.ErrorInvalidItemForOperationSendItem, "Only messages can be sent with SendItem.");
            }

            var changes = new ChangeSet();
            changes.Deletes.Add(draft.Id);
            var item = draft.Clone();
            item.IsDraft = false;
            await SendAsync(request, item, save ? savedFolder ?? new FolderRef(null, "sentitems", null, e) : null, changes);
            return true;
        });
        return EwsRequest.Respond("SendItem", outcomes, static (_, _) => { });
    }

    /// <summary>Delivers a message to its local recipients' Inboxes and keeps a copy where asked, in one change set.</summary>
    private static async Task SendAsync(EwsRequest request, Item item, FolderRef? copyTo, ChangeSet changes)
    {
        var now = request.Now;
        var me = request.User.Mailbox;
        item.From = item.Sender = SendingAs(me, item);
        item.DateTimeSent = now;
        item.IsSubmitted = true;
        item.InternetMessageId ??= $"<{Guid.NewGuid():N}@rendezvous>";
        foreach (var recipient in (item.ToRecipients ?? []).Concat(item.CcRecipients ?? []).Concat(item.BccRecipients ?? [])
                     .DistinctBy(r => r.Address, StringComparer.OrdinalIgnoreCase))
        {
            var user = await request.Store.FindUserAsync(recipient.Address, request.Cancellation);
            if (user is null)
            {
                continue; // External delivery is not implemented; the message still counts as sent.
            }

            var inbox = await request.Store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", request.Cancellation);
            var copy = item.Clone();
            copy.BccRecipients = null;
            copy.IsRead = false;
            copy.DateTimeReceived = now;
            copy.ReceivedBy = recipient;
            Stamp(request, copy, inbox!, now);
            changes.Inserts.Add(copy);
        }

        if (copyTo is not null)
        {
            var sent = await request.ResolveFolderAsync(copyTo);
            var copy = item.Clone();
            copy.IsRead = true;
            Stamp(request, copy, sent, now);
            changes.Inserts.Add(copy);
        }

        await request.Store.ApplyAsync(changes, request.Cancellation);
    }

    /// <summary>
    /// Who a message is sent as: always the signed-in user, as both From and Sender, with their own name. A From or
    /// Sender naming anyone else would be send-as, which needs a delegation (none is granted yet), so it is refused and
    /// nothing is sent.
    /// </summary>
    private static EmailAddress SendingAs(Mailbox me, Item item)
    {
        foreach (var claimed in new[] { item.From, item.Sender })
        {
            if (claimed is not null && !claimed.Is(me.Address))
            {
                throw new EwsException(ResponseCodes.ErrorSendAsDenied, $"{me.Address} cannot send as {claimed.Address}: a message is sent from the signed-in user's own address.");
            }
        }

        return new EmailAddress(me.DisplayName, me.Address);
    }

    /// <summary>Gives a new item its id, place, times and first change number.</summary>
    public static void Stamp(EwsRequest request, Item item, Folder folder, DateTime now)
    {
        item.Id = EwsIds.NewItemId();
        item.MailboxId = folder.MailboxId;
        item.FolderId = folder.Id;
        item.DateTimeCreated = now;
        item.DateTimeReceived ??= now;
        item.LastModifiedTime = now;
        item.LastModifiedName = request.User.DisplayName;
        item.ChangeNumber = request.Store.NextChangeNumber();
        item.FieldChanges.Clear();
    }
}
