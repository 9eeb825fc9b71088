using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>Subscribe, GetEvents, GetStreamingEvents and Unsubscribe read from EWS, and notifications written as EWS (also the push SendNotification).</summary>
public static class NotificationEdge
{
    private static readonly Dictionary<string, EventTypes> EventNames = new(StringComparer.Ordinal)
    {
        ["CopiedEvent"] = EventTypes.Copied,
        ["CreatedEvent"] = EventTypes.Created,
        ["DeletedEvent"] = EventTypes.Deleted,
        ["ModifiedEvent"] = EventTypes.Modified,
        ["MovedEvent"] = EventTypes.Moved,
        ["NewMailEvent"] = EventTypes.NewMail,
        ["FreeBusyChangedEvent"] = EventTypes.FreeBusyChanged,
    };

    /// <summary>A Subscribe's PullSubscriptionRequest, PushSubscriptionRequest or StreamingSubscriptionRequest.</summary>
    public static SubscribeRequest ReadSubscribe(EwsRequest request)
    {
        var e = request.Operation.Elements().FirstOrDefault()
            ?? throw SoapRequest.Schema(request.Operation, "Subscribe needs a PullSubscriptionRequest, PushSubscriptionRequest or StreamingSubscriptionRequest.");
        var kind = e.Name == Ews.M + "PullSubscriptionRequest" ? SubscriptionKind.Pull
            : e.Name == Ews.M + "PushSubscriptionRequest" ? SubscriptionKind.Push
            : e.Name == Ews.M + "StreamingSubscriptionRequest" ? SubscriptionKind.Streaming
            : throw SoapRequest.Schema(e, $"The element '{Values.Excerpt(e.Name.LocalName)}' is not a subscription request.");
        var all = e.Attribute("SubscribeToAllFolders") is { } a && Values.Bool(a, a.Value);
        var folders = e.Element(Ews.T + "FolderIds") is { } ids ? ids.Elements().Select(ItemReader.ReadFolderRef).ToList() : [];
        var types = EventTypes.None;
        var eventTypes = e.Element(Ews.T + "EventTypes") ?? throw SoapRequest.Schema(e, "A subscription request needs EventTypes.");
        foreach (var t in eventTypes.Elements(Ews.T + "EventType"))
        {
            types |= EventNames.TryGetValue(t.Value.Trim(), out var type)
                ? type
                : throw SoapRequest.Schema(t, $"The value '{Values.Excerpt(t.Value)}' is not a valid NotificationEventTypeType.");
        }

        if (types == EventTypes.None)
        {
            throw SoapRequest.Schema(eventTypes, "EventTypes names no EventType.");
        }

        var watermark = e.Element(Ews.T + "Watermark")?.Value.Trim();
        return new SubscribeRequest(kind, folders, all, types, string.IsNullOrEmpty(watermark) ? null : watermark)
        {
            TimeoutMinutes = kind == SubscriptionKind.Pull ? Minutes(Required(e, "Timeout"), 1440) : 30,
            StatusFrequencyMinutes = kind == SubscriptionKind.Push ? Minutes(Required(e, "StatusFrequency"), 1440) : 30,
            Url = kind == SubscriptionKind.Push ? Required(e, "URL").Value.Trim() : null,
            CallerData = e.Element(Ews.T + "CallerData")?.Value,
        };
    }

    /// <summary>GetEvents: the subscription and the last watermark the client has.</summary>
    public static (string SubscriptionId, string Watermark) ReadGetEvents(EwsRequest request) =>
        (EwsRequest.Required(request.Operation, "SubscriptionId").Value.Trim(), EwsRequest.Required(request.Operation, "Watermark").Value.Trim());

    /// <summary>GetStreamingEvents: the subscriptions and how many minutes (1-30) the connection lasts.</summary>
    public static (IReadOnlyList<string> SubscriptionIds, int ConnectionTimeout) ReadGetStreamingEvents(EwsRequest request)
    {
        var ids = EwsRequest.Required(request.Operation, "SubscriptionIds").Elements(Ews.T + "SubscriptionId").Select(i => i.Value.Trim()).ToList();
        if (ids.Count == 0)
        {
            throw SoapRequest.Schema(request.Operation, "SubscriptionIds names no SubscriptionId.");
        }

        return (ids, Minutes(EwsRequest.Required(request.Operation, "ConnectionTimeout"), 30));
    }

    public static string ReadUnsubscribe(EwsRequest request) => EwsRequest.Required(request.Operation, "SubscriptionId").Value.Trim();

    private static XElement Required(XElement parent, string name) =>
        parent.Element(Ews.T + name) ?? throw SoapRequest.Schema(parent, $"The element '{parent.Name.LocalName}' is missing its child '{name}'.");

    private static int Minutes(XElement e, int max)
    {
        var minutes = Values.Int(e);
        return minutes is >= 1 && minutes <= max ? minutes : throw SoapRequest.Schema(e, $"The value '{minutes}' of '{e.Name.LocalName}' is not between 1 and {max}.");
    }

    public static Action<EwsWriter> Subscribed(Outcome<SubscribeResult> outcome) =>
        EwsRequest.Respond("Subscribe", [outcome], (w, r) =>
        {
            w.M("SubscriptionId", r.SubscriptionId);
            if (r.Watermark is { } watermark)
            {
                w.M("Watermark", watermark);
            }
        });

    public static Action<EwsWriter> Events(Outcome<Notification> outcome) =>
        EwsRequest.Respond("GetEvents", [outcome], (w, n) => WriteNotification(w, n, messages: true));

    public static Action<EwsWriter> Unsubscribed(Outcome<bool> outcome) => EwsRequest.Respond("Unsubscribe", [outcome], (_, _) => { });

    /// <summary>One part of a GetStreamingEvents response.</summary>
    public static Action<EwsWriter> StreamPart(StreamPart part) => w =>
    {
        w.StartM("GetStreamingEventsResponse");
        w.StartM("ResponseMessages");
        var error = part.Error is { } e ? EwsErrors.ToEws(e) : null;
        SoapWriter.WriteMessage(w, "GetStreamingEventsResponseMessage", error, w =>
        {
            if (part.Notifications.Count > 0)
            {
                w.StartM("Notifications");
                foreach (var notification in part.Notifications)
                {
                    WriteNotification(w, notification, messages: false);
                }

                w.End();
            }

            w.M("ConnectionStatus", part.Closed ? "Closed" : "OK");
        }, w =>
        {
            if (part.ErrorSubscriptionIds is { Count: > 0 } ids)
            {
                w.StartM("ErrorSubscriptionIds");
                foreach (var id in ids)
                {
                    w.T("SubscriptionId", id);
                }

                w.End();
            }

            w.M("ConnectionStatus", "Closed");
        });
        w.End();
        w.End();
    };

    /// <summary>The body of a push: SendNotification with one message holding the notification.</summary>
    public static Action<EwsWriter> SendNotification(Notification notification) => w =>
    {
        w.StartM("SendNotification");
        w.StartM("ResponseMessages");
        SoapWriter.WriteMessage(w, "SendNotificationResponseMessage", null, w => WriteNotification(w, notification, messages: true));
        w.End();
        w.End();
    };

    /// <summary>A NotificationType: m:Notification in a response message, t:Notification in Notifications.</summary>
    public static void WriteNotification(EwsWriter w, Notification n, bool messages)
    {
        if (messages)
        {
            w.StartM("Notification");
        }
        else
        {
            w.StartT("Notification");
        }

        w.T("SubscriptionId", n.SubscriptionId);
        if (n.PreviousWatermark is { } previous)
        {
            w.T("PreviousWatermark", previous);
        }

        w.T("MoreEvents", n.MoreEvents);
        foreach (var e in n.Events)
        {
            WriteEvent(w, e);
        }

        w.End();
    }

    private static void WriteEvent(EwsWriter w, NotificationEvent e)
    {
        w.StartT(e.Kind switch
        {
            NotificationEventKind.Copied => "CopiedEvent",
            NotificationEventKind.Created => "CreatedEvent",
            NotificationEventKind.Deleted => "DeletedEvent",
            NotificationEventKind.Modified => "ModifiedEvent",
            NotificationEventKind.Moved => "MovedEvent",
            NotificationEventKind.NewMail => "NewMailEvent",
            NotificationEventKind.FreeBusyChanged => "FreeBusyChangedEvent",
            _ => "StatusEvent",
        });
        w.T("Watermark", e.Watermark);
        if (e.Kind != NotificationEventKind.Status)
        {
            w.T("TimeStamp", e.TimeStamp);
            Id(w, e.IsFolder ? "FolderId" : "ItemId", e.Id);
            Id(w, "ParentFolderId", e.ParentFolderId);
            if (e.Kind is NotificationEventKind.Moved or NotificationEventKind.Copied)
            {
                Id(w, e.IsFolder ? "OldFolderId" : "OldItemId", e.OldId ?? e.Id);
                Id(w, "OldParentFolderId", e.OldParentFolderId ?? "");
            }
        }

        w.End();
    }

    private static void Id(EwsWriter w, string element, string id)
    {
        w.StartT(element);
        w.Attr("Id", id);
        w.End();
    }
}
