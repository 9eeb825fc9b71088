using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>The notification operations: read (<see cref="NotificationEdge"/>), <see cref="NotificationHub"/>, write.</summary>
public static class NotificationHandlers
{
    public static async Task<Action<EwsWriter>> Subscribe(EwsRequest request)
    {
        var subscribe = NotificationEdge.ReadSubscribe(request);
        return NotificationEdge.Subscribed(await request.OneAsync(() => Hub(request).SubscribeAsync(request.Session, subscribe)));
    }

    public static async Task<Action<EwsWriter>> GetEvents(EwsRequest request)
    {
        var (id, watermark) = NotificationEdge.ReadGetEvents(request);
        return NotificationEdge.Events(await request.OneAsync(() => Hub(request).GetEventsAsync(request.Session, id, watermark)));
    }

    public static async Task<Action<EwsWriter>> Unsubscribe(EwsRequest request)
    {
        var id = NotificationEdge.ReadUnsubscribe(request);
        return NotificationEdge.Unsubscribed(await request.OneAsync(async () =>
        {
            await Hub(request).UnsubscribeAsync(request.Session, id);
            return true;
        }));
    }

    /// <summary>GetStreamingEvents: streamed, one envelope per batch of notifications, until the connection's timeout.</summary>
    public static async Task GetStreamingEvents(EwsRequest request, EwsStreamWriter response)
    {
        var (ids, timeout) = NotificationEdge.ReadGetStreamingEvents(request);
        try
        {
            await Hub(request).StreamAsync(request.Session, ids, timeout, part => response.WriteAsync(NotificationEdge.StreamPart(part)), request.Stopping);
        }
        catch (DomainException e)
        {
            throw EwsErrors.ToEws(e);
        }
    }

    private static NotificationHub Hub(EwsRequest request) =>
        request.Notifications ?? throw new EwsFaultException(ResponseCodes.ErrorInvalidOperation, "This server has no notifications.");
}
