using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// GetUserAvailability: <see cref="AvailabilityReader"/> reads the request, <see cref="AvailabilityService"/> loads each
/// mailbox (each failing on its own) and answers, <see cref="AvailabilityWriter"/> writes it.
/// </summary>
public static class AvailabilityHandler
{
    public static async Task<Action<EwsWriter>> GetUserAvailability(EwsRequest request)
    {
        var query = AvailabilityReader.Read(request.Operation, request.Soap.TimeZoneContext);
        var reach = AvailabilityService.Prepare(query);
        var loaded = await AvailabilityService.LoadAsync(request.Session, query.Mailboxes, reach);
        var mailboxes = new List<Outcome<MailboxCalendar>>(loaded.Count);
        foreach (var mailbox in loaded)
        {
            mailboxes.Add(await request.OneAsync(() => mailbox));
        }

        var answer = AvailabilityService.Answer(query, [.. mailboxes.Select(m => m.Error is null ? m.Value : null)]);
        List<(FreeBusyViewResult?, EwsException?)>? views = answer.Views is { } answered
            ? [.. mailboxes.Select((m, i) => (answered[i], m.Error))]
            : null;
        return w => AvailabilityWriter.Write(w, query.Zone, views, answer.Suggestions);
    }
}
