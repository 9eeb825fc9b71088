using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>GetServerTimeZones: the Windows zones this server knows (<see cref="IdService.TimeZones"/>), with their rules when asked.</summary>
public static class TimeZoneHandler
{
    public static Task<Action<EwsWriter>> GetServerTimeZones(EwsRequest request)
    {
        var op = request.Operation;
        // Note: php-ews and the EWS Managed API document the attribute as defaulting to true; exchangelib always sends it.
        var full = op.Attribute("ReturnFullTimeZoneData") is not { } attribute || Values.Bool(attribute, attribute.Value);
        IReadOnlyList<string>? requested = op.Element(Ews.M + "Ids") is { } ids ? [.. ids.Elements(Ews.T + "Id").Select(e => e.Value)] : null;
        var definitions = IdService.TimeZones(requested);
        return Task.FromResult(EwsRequest.Respond("GetServerTimeZones", [new Outcome<IReadOnlyList<TimeZoneDefinition>>(definitions, null)], (w, list) =>
        {
            w.StartM("TimeZoneDefinitions");
            foreach (var definition in list)
            {
                TimeZoneWriter.Write(w, "TimeZoneDefinition", definition, full);
            }

            w.End();
        }));
    }
}
