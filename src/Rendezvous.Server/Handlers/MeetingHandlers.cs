using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// The meeting steps of CreateItem, UpdateItem, DeleteItem and SendItem: each loads the state, lets
/// <see cref="MeetingWorkflow"/> decide, and applies the decision through <see cref="Meetings"/>.
/// </summary>
public static class MeetingHandlers
{
    /// <summary>CreateItem of a calendar item: the organizer's item, and the invitations when asked.</summary>
    public static async Task<IReadOnlyList<Item>> CreateAsync(EwsRequest request, XElement element, FolderRef? savedFolder, string? invitations)
    {
        if (invitations is null)
        {
            throw new EwsException(ResponseCodes.ErrorSendMeetingInvitationsRequired, "SendMeetingInvitations is required for calendar items.");
        }

        var folder = await request.ResolveFolderAsync(savedFolder ?? new FolderRef(null, MeetingView.Calendar, null, element));
        var me = request.User.Mailbox;
        var prepared = ItemReader.ReadNewItem(element, request.ReadContext);
        CalendarRules.PrepareNewCalendarItem(prepared, me, request.Soap.TimeZoneContext, request.Now);
        var results = await Meetings.RunAsync(request, MeetingKey.Of(prepared), async () =>
        {
            var meeting = prepared.Clone();
            var attendees = await Meetings.LocalViewsAsync(request, MeetingWorkflow.AttendeeAddresses(meeting, me), MeetingKey.Of(meeting));
            return MeetingWorkflow.Create(meeting, me, Place.ById(me.Id, folder.Id), invitations, attendees, null, Meetings.Context(request));
        });
        return results;
    }

    /// <summary>CreateItem of AcceptItem, TentativelyAcceptItem or DeclineItem, with or without a new time.</summary>
    public static async Task<IReadOnlyList<Item>> RespondAsync(EwsRequest request, XElement element, string? disposition, FolderRef? savedFolder)
    {
        var kind = element.Name.LocalName switch
        {
            "AcceptItem" => ResponseKind.Accept,
            "TentativelyAcceptItem" => ResponseKind.Tentative,
            _ => ResponseKind.Decline,
        };
        var response = ItemReader.ReadResponseObject(element, request.ReadContext);
        var sending = RequireDisposition(disposition, element);
        var reference = RequireReference(response, "the meeting request or calendar item it answers");
        var saved = await SavedPlaceAsync(request, savedFolder);
        var reply = new MeetingReply(kind, response.Body, response.ProposedStart, response.ProposedEnd);
        return await Meetings.RunOnItemAsync(request, reference, async item =>
        {
            var (attendee, placed) = await PlaceAsync(request, item);
            var organizer = await OrganizerViewAsync(request, item);
            return MeetingWorkflow.Respond(reply, placed, attendee, organizer, sending, saved, Meetings.Context(request));
        });
    }

    /// <summary>SendItem of a response saved with SaveOnly: the response happens now, and the draft goes.</summary>
    public static async Task SendResponseDraftAsync(EwsRequest request, Item draft, bool saveCopy, FolderRef? savedFolder)
    {
        var kind = draft.ResponseType switch
        {
            SchemaValues.ResponseTypeType.Accept => ResponseKind.Accept,
            SchemaValues.ResponseTypeType.Tentative => ResponseKind.Tentative,
            _ => ResponseKind.Decline,
        };
        var reply = new MeetingReply(kind, draft.Body, draft.ProposedStart, draft.ProposedEnd);
        var saved = await SavedPlaceAsync(request, savedFolder);
        // The draft carries the meeting's UID and organizer: it answers that meeting and no other with the same UID.
        await Meetings.RunAsync(request, MeetingKey.Of(draft), async () =>
        {
            var attendee = await Meetings.ViewAsync(request, request.User.Mailbox, MeetingKey.Of(draft));
            var reference = attendee.CalendarItem ?? attendee.ReceivedRequests.FirstOrDefault()
                ?? throw new EwsException(ResponseCodes.ErrorItemNotFound, "The meeting this response answers is no longer in the mailbox.");
            var organizer = await OrganizerViewAsync(request, reference.Item);
            var decision = MeetingWorkflow.Respond(reply, reference, attendee, organizer, saveCopy ? "SendAndSaveCopy" : "SendOnly", saved, Meetings.Context(request));
            decision.Deletes.Add(draft.Id);
            decision.Results.Clear();
            return decision;
        });
    }

    /// <summary>CreateItem of CancelCalendarItem: the organizer cancels; attendees are told.</summary>
    public static async Task<IReadOnlyList<Item>> CancelAsync(EwsRequest request, XElement element, string? disposition, FolderRef? savedFolder)
    {
        var response = ItemReader.ReadResponseObject(element, request.ReadContext);
        if (RequireDisposition(disposition, element) == "SaveOnly")
        {
            throw new EwsException(ResponseCodes.ErrorInvalidOperation, "Saving a cancellation as a draft (SaveOnly) is not supported; use SendOnly or SendAndSaveCopy.");
        }

        var reference = RequireReference(response, "the meeting to cancel");
        var saved = await SavedPlaceAsync(request, savedFolder);
        await Meetings.RunOnItemAsync(request, reference, async item =>
        {
            var (organizer, placed) = await PlaceAsync(request, item);
            var attendees = await Meetings.LocalViewsAsync(request, MeetingWorkflow.AttendeeAddresses(item, organizer.Owner), MeetingKey.Of(item));
            var to = Place.In(organizer.Owner, placed.Folder == MeetingView.DeletedItems ? "recoverableitemsdeletions" : MeetingView.DeletedItems);
            var mode = disposition == "SendAndSaveCopy" ? "SendToAllAndSaveCopy" : "SendOnlyToAll";
            return MeetingWorkflow.Cancel(placed, organizer.Owner, response.Body, mode, attendees, to, saved, Meetings.Context(request));
        });
        return [];
    }

    /// <summary>CreateItem of RemoveItem: the attendee clears a cancelled meeting and its cancellation.</summary>
    public static async Task<IReadOnlyList<Item>> RemoveAsync(EwsRequest request, XElement element)
    {
        var response = ItemReader.ReadResponseObject(element, request.ReadContext);
        var reference = RequireReference(response, "the meeting cancellation");
        await Meetings.RunOnItemAsync(request, reference, async item =>
        {
            if (item.Kind == ItemKind.CalendarItem && item.IsOrganizedBy(request.User.Address))
            {
                throw new EwsException(ResponseCodes.ErrorCalendarIsOrganizerForRemove, "The organizer cancels a meeting with CancelCalendarItem; RemoveItem is for attendees.");
            }

            var (attendee, placed) = await PlaceAsync(request, item);
            return MeetingWorkflow.Remove(placed, attendee, Meetings.Context(request));
        });
        return [];
    }

    /// <summary>
    /// UpdateItem of a calendar item: <paramref name="after"/> is <paramref name="stored"/> with the changes applied.
    /// The organizer's meeting sends updates as <paramref name="mode"/> says; anything else is a plain update.
    /// </summary>
    public static async Task<Decision> UpdateAsync(EwsRequest request, Item stored, Item after, string? mode)
    {
        var me = request.User.Mailbox;
        if (mode is null or "SendToNone")
        {
            // Nothing goes out, so no other mailbox and no folder matter.
            return MeetingWorkflow.Update(new PlacedItem(stored, null), after, me, "SendToNone", new Dictionary<string, MeetingView>(), null, Meetings.Context(request));
        }

        var (_, placed) = await PlaceAsync(request, stored);
        var addresses = MeetingWorkflow.AttendeeAddresses(stored, me).Concat(MeetingWorkflow.AttendeeAddresses(after, me));
        // The attendees' side of the meeting as it is after the change (a new calendar:UID makes it another meeting for them).
        var attendees = await Meetings.LocalViewsAsync(request, addresses, MeetingKey.Of(after));
        return MeetingWorkflow.Update(placed, after, me, mode, attendees, null, Meetings.Context(request));
    }

    /// <summary>
    /// DeleteItem of the organizer's meeting with cancellations: attendees are told, and the item goes to
    /// <paramref name="to"/> (null: deleted for good).
    /// </summary>
    public static Task DeleteMeetingAsync(EwsRequest request, ItemRef reference, string mode, Place? to) =>
        Meetings.RunOnItemAsync(request, reference, async item =>
        {
            var (organizer, placed) = await PlaceAsync(request, item);
            var attendees = await Meetings.LocalViewsAsync(request, MeetingWorkflow.AttendeeAddresses(item, organizer.Owner), MeetingKey.Of(item));
            return MeetingWorkflow.Cancel(placed, organizer.Owner, null, mode, attendees, to, null, Meetings.Context(request));
        });

    /// <summary>The caller's view of the item's meeting, and the item placed in it.</summary>
    private static async Task<(MeetingView View, PlacedItem Placed)> PlaceAsync(EwsRequest request, Item item)
    {
        var view = await Meetings.ViewAsync(request, request.User.Mailbox, MeetingKey.Of(item));
        var placed = view.Items.FirstOrDefault(p => p.Item.Id == item.Id) ?? new PlacedItem(item, null);
        return (view, placed);
    }

    /// <summary>The MessageDisposition a response object needs ([MS-OXWSMTGS] R1241).</summary>
    public static string RequireDisposition(string? disposition, XElement element) =>
        disposition ?? throw new EwsException(ResponseCodes.ErrorMessageDispositionRequired, $"MessageDisposition is required for {element.Name.LocalName}.");

    /// <summary>The ReferenceItemId a response object needs; <paramref name="what"/> says what it should name.</summary>
    public static ItemRef RequireReference(ResponseObject response, string what) =>
        response.Reference ?? throw new EwsException(ResponseCodes.ErrorMissingInformationReferenceItemId, $"{response.Name} needs a ReferenceItemId: {what}.");

    private static async Task<MeetingView?> OrganizerViewAsync(EwsRequest request, Item item) =>
        item.Organizer is { } organizer && !organizer.Is(request.User.Address)
            ? await Meetings.LocalViewAsync(request, organizer.Address, MeetingKey.Of(item))
            : null;

    private static async Task<Place?> SavedPlaceAsync(EwsRequest request, FolderRef? savedFolder) =>
        savedFolder is null ? null : Place.ById(request.User.MailboxId, (await request.ResolveFolderAsync(savedFolder)).Id);
}
