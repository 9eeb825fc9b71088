using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;

namespace Rendezvous.Server.Edge;

/// <summary>
/// GetUserOofSettings and SetUserOofSettings read and written. Their responses are no ResponseMessages array: a
/// ResponseMessage beside the settings (GetUserOofSettingsResponse), or alone (SetUserOofSettingsResponse).
/// </summary>
public static class OofEdge
{
    /// <summary>The request's t:Mailbox (availability's EmailAddress: Name, Address, RoutingType): its Address.</summary>
    public static string ReadMailbox(EwsRequest request)
    {
        var mailbox = request.Operation.Element(Ews.T + "Mailbox") ?? throw SoapRequest.Schema(request.Operation, $"'{request.Operation.Name.LocalName}' needs a Mailbox.");
        return mailbox.Element(Ews.T + "Address")?.Value ?? throw SoapRequest.Schema(mailbox, "The Mailbox needs an Address.");
    }

    /// <summary>SetUserOofSettingsRequest's UserOofSettings; times without an offset are read in the request's zone.</summary>
    public static OofSettings ReadSettings(EwsRequest request)
    {
        var e = request.Operation.Element(Ews.T + "UserOofSettings") ?? throw SoapRequest.Schema(request.Operation, "SetUserOofSettingsRequest needs a UserOofSettings.");
        var state = Values.Enum(RequiredChild(e, "OofState"), SchemaValues.OofState.All, "OofState");
        var audience = Values.Enum(RequiredChild(e, "ExternalAudience"), SchemaValues.ExternalAudience.All, "ExternalAudience");
        DateTime? start = null, end = null;
        if (e.Element(Ews.T + "Duration") is { } duration)
        {
            start = Values.DateTime(RequiredChild(duration, "StartTime"), request.Soap.TimeZoneContext);
            end = Values.DateTime(RequiredChild(duration, "EndTime"), request.Soap.TimeZoneContext);
        }

        static string Reply(XElement? reply) => reply?.Element(Ews.T + "Message")?.Value ?? "";

        return new OofSettings(state, audience, start, end, Reply(e.Element(Ews.T + "InternalReply")), Reply(e.Element(Ews.T + "ExternalReply")));
    }

    private static XElement RequiredChild(XElement parent, string name) =>
        parent.Element(Ews.T + name) ?? throw SoapRequest.Schema(parent, $"'{parent.Name.LocalName}' needs a {name}.");

    private static void ResponseMessage(EwsWriter w, EwsException? error)
    {
        w.StartM("ResponseMessage");
        if (error is null)
        {
            w.Attr("ResponseClass", SchemaValues.ResponseClassType.Success);
            w.M("ResponseCode", ResponseCodes.NoError);
        }
        else
        {
            w.Attr("ResponseClass", SchemaValues.ResponseClassType.Error);
            w.M("MessageText", Values.ErrorText(error.Message));
            w.M("ResponseCode", error.Code);
            w.M("DescriptiveLinkKey", "0");
        }

        w.End();
    }

    /// <summary>
    /// GetUserOofSettingsResponse: the settings in UserOofSettings' sequence, with a Duration always (Exchange gives
    /// one even when the state is not Scheduled: the last one set, else the day from now), and AllowExternalOof All.
    /// </summary>
    public static Action<EwsWriter> Get(Outcome<OofSettings> outcome, DateTime now) => w =>
    {
        w.StartM("GetUserOofSettingsResponse");
        ResponseMessage(w, outcome.Error);
        if (outcome.Value is { } s)
        {
            w.StartT("OofSettings");
            w.T("OofState", s.State);
            w.T("ExternalAudience", s.ExternalAudience);
            var start = s.Start ?? new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
            w.StartT("Duration");
            // In UTC, whatever the request's zone, as Exchange writes it (exchangelib compares the instants).
            w.T("StartTime", Values.Format(start));
            w.T("EndTime", Values.Format(s.End ?? start.AddDays(1)));
            w.End();
            Reply(w, "InternalReply", s.InternalReply);
            Reply(w, "ExternalReply", s.ExternalReply);
            w.End();
            w.M("AllowExternalOof", SchemaValues.ExternalAudience.All_);
        }

        w.End();
    };

    private static void Reply(EwsWriter w, string element, string message)
    {
        w.StartT(element);
        w.T("Message", message);
        w.End();
    }

    /// <summary>SetUserOofSettingsResponse: its ResponseMessage alone.</summary>
    public static Action<EwsWriter> Set(Outcome<bool> outcome) => w =>
    {
        w.StartM("SetUserOofSettingsResponse");
        ResponseMessage(w, outcome.Error);
        w.End();
    };
}
