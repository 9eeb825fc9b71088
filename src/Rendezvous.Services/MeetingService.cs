using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// The meeting steps of CreateItem, UpdateItem, DeleteItem and SendItem: each loads the state, lets
/// <see cref="MeetingWorkflow"/> decide, and applies the decision through <see cref="MeetingRunner"/>.
/// </summary>
public static class MeetingService
{
    /// <summary>CreateItem of a calendar item (<paramref name="prepared"/>, as read): the organizer's item, and the invitations when asked.</summary>
    public static async Task<IReadOnlyList<Item>> CreateAsync(Session session, Item prepared, FolderRef? savedFolder, string? invitations, string? timeZoneContext, IReadOnlyList<NewAttachment>? attachments = null) =>
        await CreateAsync(session, prepared, savedFolder, invitations, timeZoneContext, attachments, onBehalfOf: null);

    private static async Task<IReadOnlyList<Item>> CreateAsync(Session session, Item prepared, FolderRef? savedFolder, string? invitations, string? timeZoneContext, IReadOnlyList<NewAttachment>? attachments, EmailAddress? onBehalfOf)
    {
        if (invitations is null)
        {
            throw new DomainException(ErrorCode.InvitationsRequired, "SendMeetingInvitations is required for calendar items.");
        }

        var access = await session.AccessFolderAsync(savedFolder, MeetingView.Calendar, FolderAction.CreateItems);
        if (!access.IsOwner)
        {
            // Through a folder permission the item is the owner's, created by the caller. Its invitations go out for the
            // owner: with the caller's send-on-behalf right (a delegate's, issue 18 §2) From the owner with the caller as
            // Sender, with send-as From the owner alone; without either, ErrorSendAsDenied and nothing is created.
            var owner = await session.AsOwnerAsync(access);
            if (invitations != SchemaValues.CalendarItemCreateOrDeleteOperationType.SendToNone && CalendarRules.HasAttendees(prepared))
            {
                var sending = await DelegateService.ActForAsync(session, owner.User, $"organized '{prepared.Subject}' in their calendar");
                onBehalfOf = sending.OnBehalf ? sending.Sender : null;
            }

            prepared.CreatedBy = session.MailboxId;
            return await CreateAsync(owner, prepared, new FolderRef(access.Folder.Id, null, null), invitations, timeZoneContext, attachments, onBehalfOf);
        }

        var folder = access.Folder;
        var me = session.Mailbox;
        CalendarRules.PrepareNewCalendarItem(prepared, me, timeZoneContext, session.Now);
        var results = await MeetingRunner.RunAsync(session, MeetingKey.Of(prepared), async () =>
        {
            var meeting = prepared.Clone();
            var attendees = await MeetingRunner.LocalViewsAsync(session, MeetingWorkflow.AttendeeAddresses(meeting, me), MeetingKey.Of(meeting));
            var context = MeetingRunner.Context(session) with { OnBehalfSender = onBehalfOf };
            var decision = MeetingWorkflow.Create(meeting, me, Place.ById(me.Id, folder.Id), invitations, attendees, null, context);

            // The inline attachments are stored under the organizer's item first, so that the invitations' copies find them.
            decision.Attachments.InsertRange(0, (attachments ?? []).Select(a => new AttachmentAdd(meeting, a)));
            return decision;
        });
        return results;
    }

    /// <summary>CreateItem of AcceptItem, TentativelyAcceptItem or DeclineItem, with or without a new time.</summary>
    public static async Task<IReadOnlyList<Item>> RespondAsync(Session session, ResponseKind kind, ResponseObject response, string? disposition, FolderRef? savedFolder)
    {
        var sending = RequireDisposition(disposition, response);
        var reference = RequireReference(response, "the meeting request or calendar item it answers");
        var saved = await SavedPlaceAsync(session, savedFolder);
        var reply = new MeetingReply(kind, response.Body, response.ProposedStart, response.ProposedEnd);
        var answered = await session.AccessItemAsync(reference, FolderAction.ReadItems);
        if (await PrincipalOfAsync(session, answered) is { } principal)
        {
            var right = await DelegateService.ActForAsync(session, principal, $"{response.Name} of '{answered.Item.Subject}'{(reply.IsProposal ? " proposing a new time" : "")}");
            return await RespondForAsync(session, principal, reference, answered, reply, sending, saved, right);
        }

        // An attendee may answer one occurrence of a series: the workflow takes the occurrence (it names its RecurrenceId).
        return await MeetingRunner.RunOnItemOrOccurrenceAsync(session, reference, async item =>
        {
            var (attendee, placed) = await PlaceAsync(session, item);
            var organizer = await OrganizerViewAsync(session, item);
            return MeetingWorkflow.Respond(reply, placed, attendee, organizer, sending, saved, MeetingRunner.Context(session));
        });
    }

    /// <summary>
    /// Whom the caller answers for when it answers <paramref name="answered"/>: the owner of another mailbox's item (the
    /// caller needs to edit it: Editor on its folder), or the principal of a delegate's copy of a meeting request
    /// (ReceivedRepresenting; the caller needs Editor on the principal's Calendar); null: for itself.
    /// </summary>
    private static async Task<UserRecord?> PrincipalOfAsync(Session session, ItemAccess answered)
    {
        var denied = new DomainException(ErrorCode.AccessDenied, "Access is denied. Check credentials and try again.");
        if (!answered.Access.IsOwner)
        {
            return answered.Access.Can(FolderAction.EditItem, answered.Item)
                ? await session.Store.FindUserByMailboxAsync(answered.Access.Folder.MailboxId, session.Cancellation) ?? throw denied
                : throw denied;
        }

        var item = answered.Item;
        if (item.IsDelegated != true || item.ReceivedRepresenting is not { } represented || represented.Is(session.Address))
        {
            return null;
        }

        var principal = await session.Store.FindUserAsync(represented.Address, session.Cancellation) ?? throw denied;
        await RequireCalendarEditorAsync(session, principal);
        return principal;
    }

    /// <summary>Editing the principal's calendar (every item of it, as Editor gives), which answering for them needs: resolved with the right, or refused.</summary>
    private static async Task RequireCalendarEditorAsync(Session session, UserRecord principal)
    {
        var calendar = await session.AccessFolderAsync(new FolderRef(null, MeetingView.Calendar, principal.Address), FolderAction.ReadItems);
        if (!calendar.Can(FolderAction.EditItem))
        {
            throw Session.Denied();
        }
    }

    /// <summary>
    /// A delegate answers a meeting for its principal (issue 18 §2): the principal's calendar and the organizer's
    /// tracking take the principal's answer, the response goes out From the principal with the delegate as Sender
    /// (send-on-behalf; From the principal alone with send-as), and the delegate's copies of the request are processed with it.
    /// </summary>
    private static async Task<IReadOnlyList<Item>> RespondForAsync(Session session, UserRecord principal, ItemRef reference, ItemAccess answered, MeetingReply reply, string sending, Place? saved, Sending right)
    {
        var acting = session.ActingFor(principal);
        var inPrincipals = !answered.Access.IsOwner;
        return await MeetingRunner.RunAsync(acting, MeetingKey.Of(answered.Item), async () =>
        {
            // Read again inside the turn, from the mailbox it is in.
            var item = await (inPrincipals ? acting : session).GetItemOrOccurrenceAsync(reference);
            var attendee = await MeetingRunner.ViewAsync(acting, acting.Mailbox, MeetingKey.Of(item));
            var placed = attendee.Items.FirstOrDefault(p => p.Item.Id == item.Id) ?? new PlacedItem(item, null);
            var organizer = await OrganizerViewAsync(acting, item);
            var context = MeetingRunner.Context(acting);
            // A draft is the delegate's to send later (SendItem): in its own Drafts, not the principal's, where it has no right.
            var draftPlace = saved ?? (sending == SchemaValues.MessageDispositionType.SaveOnly ? Place.In(session.Mailbox, MeetingView.Drafts) : null);
            var decision = MeetingWorkflow.Respond(reply, placed, attendee, organizer, sending, draftPlace, context);
            if (right.OnBehalf)
            {
                DelegateActions.SentOnBehalf(decision, acting.Mailbox, right.Sender);
            }

            if (sending != SchemaValues.MessageDispositionType.SaveOnly)
            {
                var own = await MeetingRunner.ViewAsync(session, session.Mailbox, MeetingKey.Of(item));
                DelegateActions.ProcessDelegateCopies(decision, own, MeetingMessages.ResponseTypeOf(reply.Kind), context);
            }

            return decision;
        });
    }

    /// <summary>
    /// SendItem of a response saved with SaveOnly: the response happens now, and the draft goes. A delegate's draft for
    /// its principal (From the principal) is answered for the principal, as the delegate's direct answer is.
    /// </summary>
    public static async Task SendResponseDraftAsync(Session session, Item draft, bool saveCopy, FolderRef? savedFolder)
    {
        var kind = draft.ResponseType switch
        {
            SchemaValues.ResponseTypeType.Accept => ResponseKind.Accept,
            SchemaValues.ResponseTypeType.Tentative => ResponseKind.Tentative,
            _ => ResponseKind.Decline,
        };
        var reply = new MeetingReply(kind, draft.Body, draft.ProposedStart, draft.ProposedEnd);
        var saved = await SavedPlaceAsync(session, savedFolder);
        if (draft.From is { } from && !from.Is(session.Address))
        {
            await SendDraftForAsync(session, draft, from, reply, saveCopy, saved);
            return;
        }

        // The draft carries the meeting's UID and organizer: it answers that meeting and no other with the same UID.
        await MeetingRunner.RunAsync(session, MeetingKey.Of(draft), async () =>
        {
            var attendee = await MeetingRunner.ViewAsync(session, session.Mailbox, MeetingKey.Of(draft));
            var reference = attendee.CalendarItem ?? attendee.ReceivedRequests.FirstOrDefault()
                ?? throw new DomainException(ErrorCode.ItemNotFound, "The meeting this response answers is no longer in the mailbox.");
            var organizer = await OrganizerViewAsync(session, reference.Item);
            var decision = MeetingWorkflow.Respond(reply, reference, attendee, organizer, saveCopy ? SchemaValues.MessageDispositionType.SendAndSaveCopy : SchemaValues.MessageDispositionType.SendOnly, saved, MeetingRunner.Context(session));
            decision.Deletes.Add(draft.Id);
            decision.Results.Clear();
            return decision;
        });
    }

    /// <summary>
    /// A delegate's draft response for <paramref name="from"/> sent: the same rights as answering for them directly
    /// (Editor on their calendar, the sending right), the answer decided in the principal's view, sent on their behalf,
    /// the delegate's copies of the request processed with it, and the draft gone.
    /// </summary>
    private static async Task SendDraftForAsync(Session session, Item draft, EmailAddress from, MeetingReply reply, bool saveCopy, Place? saved)
    {
        var principal = await session.Store.FindUserAsync(from.Address, session.Cancellation) ?? throw Session.Denied();
        await RequireCalendarEditorAsync(session, principal);
        var right = await DelegateService.ActForAsync(session, principal, $"sent the draft {reply.Kind} of '{draft.Subject}'{(reply.IsProposal ? " proposing a new time" : "")}");
        var acting = session.ActingFor(principal);
        await MeetingRunner.RunAsync(acting, MeetingKey.Of(draft), async () =>
        {
            var attendee = await MeetingRunner.ViewAsync(acting, acting.Mailbox, MeetingKey.Of(draft));
            var reference = attendee.CalendarItem ?? attendee.ReceivedRequests.FirstOrDefault()
                ?? throw new DomainException(ErrorCode.ItemNotFound, "The meeting this response answers is no longer in the principal's mailbox.");
            var organizer = await OrganizerViewAsync(acting, reference.Item);
            var context = MeetingRunner.Context(acting);
            var decision = MeetingWorkflow.Respond(reply, reference, attendee, organizer, saveCopy ? SchemaValues.MessageDispositionType.SendAndSaveCopy : SchemaValues.MessageDispositionType.SendOnly, saved, context);
            if (right.OnBehalf)
            {
                DelegateActions.SentOnBehalf(decision, acting.Mailbox, right.Sender);
            }

            var own = await MeetingRunner.ViewAsync(session, session.Mailbox, MeetingKey.Of(draft));
            DelegateActions.ProcessDelegateCopies(decision, own, MeetingMessages.ResponseTypeOf(reply.Kind), context);
            decision.Deletes.Add(draft.Id);
            decision.Results.Clear();
            return decision;
        });
    }

    /// <summary>CreateItem of CancelCalendarItem: the organizer cancels; attendees are told.</summary>
    public static async Task<IReadOnlyList<Item>> CancelAsync(Session session, ResponseObject response, string? disposition, FolderRef? savedFolder)
    {
        if (RequireDisposition(disposition, response) == SchemaValues.MessageDispositionType.SaveOnly)
        {
            throw new DomainException(ErrorCode.InvalidOperation, "Saving a cancellation as a draft (SaveOnly) is not supported; use SendOnly or SendAndSaveCopy.");
        }

        var reference = RequireReference(response, "the meeting to cancel");
        var saved = await SavedPlaceAsync(session, savedFolder);
        var mode = disposition == SchemaValues.MessageDispositionType.SendAndSaveCopy
            ? SchemaValues.CalendarItemCreateOrDeleteOperationType.SendToAllAndSaveCopy
            : SchemaValues.CalendarItemCreateOrDeleteOperationType.SendOnlyToAll;
        return await MeetingRunner.RunOnItemOrOccurrenceAsync(session, reference, async item =>
        {
            if (SeriesItems.InstanceType(item) is not null)
            {
                // One occurrence: cancelled alone, as DeleteItem of it with cancellations; the last one left cancels the series.
                var (master, index) = await session.ResolveItemAsync(reference);
                if (!MeetingWorkflow.IsOrganizer(master, session.Mailbox))
                {
                    throw new DomainException(ErrorCode.NotOrganizer, "Only the organizer can cancel a meeting; an attendee declines it or removes it.");
                }

                if (OccurrenceEdits.Delete(master, index!.Value) is { } after)
                {
                    var (_, placedMaster) = await PlaceAsync(session, master);
                    var invited = await MeetingRunner.LocalViewsAsync(session, MeetingWorkflow.AttendeeAddresses(item, session.Mailbox), MeetingKey.Of(master));
                    return MeetingWorkflow.CancelOccurrence(placedMaster, after, item, session.Mailbox, response.Body, mode, invited, saved, MeetingRunner.Context(session));
                }

                item = master;
            }

            var (organizer, placed) = await PlaceAsync(session, item);
            // Those invited to one occurrence alone are told too (MeetingWorkflow.Cancel).
            var attendees = await MeetingRunner.LocalViewsAsync(session, MeetingWorkflow.AttendeeAddresses(item, organizer.Owner).Concat(MeetingWorkflow.ExceptionAttendeeAddresses(item, organizer.Owner)), MeetingKey.Of(item));
            var to = Place.In(organizer.Owner, placed.Folder == MeetingView.DeletedItems ? "recoverableitemsdeletions" : MeetingView.DeletedItems);
            return MeetingWorkflow.Cancel(placed, organizer.Owner, response.Body, mode, attendees, to, saved, MeetingRunner.Context(session));
        });
    }

    /// <summary>CreateItem of RemoveItem: the attendee clears a cancelled meeting and its cancellation.</summary>
    public static async Task<IReadOnlyList<Item>> RemoveAsync(Session session, ResponseObject response)
    {
        var reference = RequireReference(response, "the meeting cancellation");
        return await MeetingRunner.RunOnItemAsync(session, reference, async item =>
        {
            if (item.Kind == ItemKind.CalendarItem && item.IsOrganizedBy(session.Address))
            {
                throw new DomainException(ErrorCode.OrganizerCannotRemove, "The organizer cancels a meeting with CancelCalendarItem; RemoveItem is for attendees.");
            }

            var (attendee, placed) = await PlaceAsync(session, item);
            return MeetingWorkflow.Remove(placed, attendee, MeetingRunner.Context(session));
        });
    }

    /// <summary>
    /// UpdateItem of a calendar item: <paramref name="after"/> is <paramref name="stored"/> with the changes applied.
    /// The organizer's meeting sends updates as <paramref name="mode"/> says; anything else is a plain update.
    /// </summary>
    public static async Task<Decision> UpdateAsync(Session session, Item stored, Item after, string? mode)
    {
        var me = session.Mailbox;
        if (mode is null or SchemaValues.CalendarItemUpdateOperationType.SendToNone)
        {
            // Nothing goes out, so no other mailbox and no folder matter.
            return MeetingWorkflow.Update(new PlacedItem(stored, null), after, me, SchemaValues.CalendarItemUpdateOperationType.SendToNone, new Dictionary<string, MeetingView>(), null, MeetingRunner.Context(session));
        }

        var (_, placed) = await PlaceAsync(session, stored);
        // Those invited to one occurrence alone hear of it too when the update drops that occurrence's exception.
        var addresses = MeetingWorkflow.AttendeeAddresses(stored, me).Concat(MeetingWorkflow.AttendeeAddresses(after, me)).Concat(MeetingWorkflow.ExceptionAttendeeAddresses(stored, me));
        // The attendees' side of the meeting as it is after the change (a new calendar:UID makes it another meeting for them).
        var attendees = await MeetingRunner.LocalViewsAsync(session, addresses, MeetingKey.Of(after));
        return MeetingWorkflow.Update(placed, after, me, mode, attendees, null, MeetingRunner.Context(session));
    }

    /// <summary>
    /// UpdateItem of one occurrence: <paramref name="after"/> is the master with the occurrence's exception as edited
    /// (<see cref="OccurrenceEdits.Change"/>); the organizer's meeting sends the update for that occurrence alone, as
    /// <paramref name="mode"/> says. The master decided on is the first result.
    /// </summary>
    public static async Task<Decision> UpdateOccurrenceAsync(Session session, Item master, Item after, DateTime originalStartUtc, string? mode)
    {
        var me = session.Mailbox;
        var (_, placed) = await PlaceAsync(session, master);
        mode ??= SchemaValues.CalendarItemUpdateOperationType.SendToNone;
        var attendees = mode == SchemaValues.CalendarItemUpdateOperationType.SendToNone
            ? new Dictionary<string, MeetingView>()
            : await MeetingRunner.LocalViewsAsync(session, MeetingWorkflow.AttendeeAddresses(MeetingWorkflow.OccurrenceOf(master, originalStartUtc) ?? master, me)
                .Concat(MeetingWorkflow.AttendeeAddresses(MeetingWorkflow.OccurrenceOf(after, originalStartUtc) ?? after, me)), MeetingKey.Of(master));
        return MeetingWorkflow.UpdateOccurrence(placed, after, originalStartUtc, me, mode, attendees, null, MeetingRunner.Context(session));
    }

    /// <summary>
    /// DeleteItem of one occurrence: <paramref name="after"/> is the master with it deleted (<see cref="OccurrenceEdits.Delete"/>);
    /// the organizer's meeting sends a cancellation of that occurrence as <paramref name="mode"/> says.
    /// </summary>
    public static async Task<Decision> DeleteOccurrenceAsync(Session session, Item master, Item after, Item occurrence, string mode)
    {
        var me = session.Mailbox;
        var (_, placed) = await PlaceAsync(session, master);
        var attendees = mode == SchemaValues.CalendarItemCreateOrDeleteOperationType.SendToNone
            ? new Dictionary<string, MeetingView>()
            : await MeetingRunner.LocalViewsAsync(session, MeetingWorkflow.AttendeeAddresses(occurrence, me), MeetingKey.Of(master));
        return MeetingWorkflow.CancelOccurrence(placed, after, occurrence, me, null, mode, attendees, null, MeetingRunner.Context(session));
    }

    /// <summary>
    /// DeleteItem of the organizer's meeting with cancellations: attendees are told, and the item goes to
    /// <paramref name="to"/> (null: deleted for good).
    /// </summary>
    public static Task DeleteMeetingAsync(Session session, ItemRef reference, string mode, Place? to) =>
        MeetingRunner.RunOnItemAsync(session, reference, async item =>
        {
            var (organizer, placed) = await PlaceAsync(session, item);
            var attendees = await MeetingRunner.LocalViewsAsync(session, MeetingWorkflow.AttendeeAddresses(item, organizer.Owner).Concat(MeetingWorkflow.ExceptionAttendeeAddresses(item, organizer.Owner)), MeetingKey.Of(item));
            return MeetingWorkflow.Cancel(placed, organizer.Owner, null, mode, attendees, to, null, MeetingRunner.Context(session));
        });

    /// <summary>The caller's view of the item's meeting, and the item placed in it.</summary>
    private static async Task<(MeetingView View, PlacedItem Placed)> PlaceAsync(Session session, Item item)
    {
        var view = await MeetingRunner.ViewAsync(session, session.Mailbox, MeetingKey.Of(item));
        var placed = view.Items.FirstOrDefault(p => p.Item.Id == item.Id) ?? new PlacedItem(item, null);
        return (view, placed);
    }

    /// <summary>The MessageDisposition a response object needs ([MS-OXWSMTGS] R1241).</summary>
    public static string RequireDisposition(string? disposition, ResponseObject response) =>
        disposition ?? throw new DomainException(ErrorCode.DispositionRequired, $"MessageDisposition is required for {response.Name}.");

    /// <summary>The ReferenceItemId a response object needs; <paramref name="what"/> says what it should name.</summary>
    public static ItemRef RequireReference(ResponseObject response, string what) =>
        response.Reference ?? throw new DomainException(ErrorCode.ReferenceRequired, $"{response.Name} needs a ReferenceItemId: {what}.");

    private static async Task<MeetingView?> OrganizerViewAsync(Session session, Item item) =>
        item.Organizer is { } organizer && !organizer.Is(session.Address)
            ? await MeetingRunner.LocalViewAsync(session, organizer.Address, MeetingKey.Of(item))
            : null;

    private static async Task<Place?> SavedPlaceAsync(Session session, FolderRef? savedFolder) =>
        savedFolder is null ? null : Place.ById(session.MailboxId, (await session.ResolveFolderAsync(savedFolder)).Id);
}
