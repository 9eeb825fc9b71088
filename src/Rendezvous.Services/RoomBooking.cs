using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// Rooms that book themselves, as Exchange's resource booking attendant: when a meeting step delivers a request or a
/// cancellation to a room's mailbox, the room answers at once, as its own step (<see cref="ResourceBooking"/> decides),
/// so the organizer sees the room's acceptance or decline in their tracking as from any attendee.
/// </summary>
public static class RoomBooking
{
    /// <summary>
    /// Lets each room that <paramref name="decision"/> (applied) delivered a meeting message to answer it. Called once
    /// the step's turn on the meeting is over: a room's answer is a step of its own on the same meeting.
    /// </summary>
    public static async Task AnswerDeliveredAsync(Session session, Decision decision)
    {
        var delivered = decision.Creates
            .Select(static c => c.Item)
            .Where(i => i.Kind is ItemKind.MeetingRequest or ItemKind.MeetingCancellation && i.MailboxId != session.MailboxId)
            .GroupBy(static i => i.MailboxId, StringComparer.Ordinal)
            .ToList();
        foreach (var messages in delivered)
        {
            if (await session.Store.GetRoomAsync(messages.Key, session.Cancellation) is not { } room)
            {
                continue;
            }

            // The newest message for each meeting is what the room answers (a request and its update in one step: the update).
            foreach (var message in messages.GroupBy(static m => MeetingKey.Of(m)?.Name ?? m.Id, StringComparer.Ordinal).Select(static g => g.Last()))
            {
                try
                {
                    await AnswerAsync(session.ActingFor(room.User), message);
                }
                catch (DomainException e)
                {
                    // The organizer's step is done and stays done; the room's answer failing is the room's matter.
                    session.Inform($"Room {room.User.Address} did not answer {message.Subject}: {e.Message}");
                }
            }
        }
    }

    private static async Task AnswerAsync(Session room, Item delivered)
    {
        var key = MeetingKey.Of(delivered);
        if (key is null)
        {
            return;
        }

        await MeetingRunner.RunAsync(room, key, async () =>
        {
            var view = await MeetingRunner.ViewAsync(room, room.Mailbox, key);
            var message = view.Items.FirstOrDefault(p => p.Item.Id == delivered.Id);
            if (message is null || message.Item.IsOutOfDate == true)
            {
                // Already answered, removed, or overtaken by a newer request that gets its own answer.
                return new Decision();
            }

            if (message.Item.Kind == ItemKind.MeetingCancellation)
            {
                // A cancelled meeting (or occurrence) frees the room: the attendant clears it away.
                return MeetingWorkflow.Remove(message, view, MeetingRunner.Context(room));
            }

            var meeting = view.CalendarItem?.Item is { } calendarItem && message.Item.OriginalStart is null ? calendarItem : message.Item;
            var (start, end) = ResourceBooking.Window(meeting, room.Now);
            var calendar = await AvailabilityService.CalendarInWindowAsync(room, room.Mailbox.Id, start, end);
            var answer = ResourceBooking.Decide(meeting, calendar, room.Now);
            var reply = new MeetingReply(answer.Kind, new Body(SchemaValues.BodyTypeType.Text, answer.Text));
            var organizer = await MeetingRunner.LocalViewAsync(room, key.Organizer, key);
            return MeetingWorkflow.Respond(reply, message, view, organizer, SchemaValues.MessageDispositionType.SendOnly, null, MeetingRunner.Context(room));
        }, answerRooms: false);
    }
}
