using Rendezvous.Calendar;
using Rendezvous.Domain;

namespace Rendezvous.Services;

/// <summary>
/// CreateItem of a calendar item that is a copy of another organizer's meeting (<see cref="ReceivedMeetings"/>): a
/// CalDAV client storing an invitation through DavMail. The copy is saved as an attendee's, and nothing is sent,
/// whatever SendMeetingInvitations says: invitations are the organizer's to send.
/// </summary>
public static class ReceivedMeetingService
{
    /// <summary>
    /// Saves <paramref name="item"/> (as read) as the signed-in user's copy of its organizer's meeting, or, when the
    /// mailbox already holds that meeting (its UID and organizer: the invitation came through this server), as an
    /// item of the user's own, as any other new calendar item: a second copy would split the meeting's answers.
    /// </summary>
    public static async Task<IReadOnlyList<Item>> CreateAsync(Session session, Item item, FolderRef? savedFolder, string? invitations, string? timeZoneContext, IReadOnlyList<NewAttachment> attachments)
    {
        if (invitations is null)
        {
            throw new DomainException(ErrorCode.InvitationsRequired, "SendMeetingInvitations is required for calendar items.");
        }

        var key = MeetingKey.Of(item);
        if ((await MeetingRunner.ViewAsync(session, session.Mailbox, key)).CalendarItem is not null)
        {
            return await MeetingService.CreateAsync(session, item, savedFolder, invitations, timeZoneContext, attachments);
        }

        var folder = await session.ResolveFolderAsync(savedFolder, MeetingView.Calendar);
        ReceivedMeetings.Prepare(item, session.Mailbox, timeZoneContext, session.Now);
        return await MeetingRunner.RunAsync(session, key, () =>
        {
            var copy = item.Clone();
            var decision = new Decision();
            decision.Create(copy, Place.ById(session.Mailbox.Id, folder.Id), MeetingRunner.Context(session));
            decision.Results.Add(copy);
            decision.Attachments.AddRange(attachments.Select(a => new AttachmentAdd(copy, a)));
            return Task.FromResult(decision);
        });
    }
}
