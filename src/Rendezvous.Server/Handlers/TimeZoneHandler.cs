using Rendezvous.Protocol;

namespace Rendezvous.Server.Handlers;

/// <summary>GetServerTimeZones: the Windows zones this server knows, with their rules when asked.</summary>
public static class TimeZoneHandler
{
    public static Task<Action<EwsWriter>> GetServerTimeZones(EwsRequest request)
    {
        var op = request.Operation;
        // Note: php-ews and the EWS Managed API document the attribute as defaulting to true; exchangelib always sends it.
        var full = op.Attribute("ReturnFullTimeZoneData") is not { } attribute || Values.Bool(attribute, attribute.Value);
        IReadOnlyList<string> ids = op.Element(Protocol.Ews.M + "Ids") is { } requested
            // Unknown ids are left out rather than failing the whole answer, as TimeZoneDefinitions cannot be empty-handed on error.
            ? [.. requested.Elements(Protocol.Ews.T + "Id").Select(e => TimeZones.WindowsId(e.Value)).OfType<string>().Distinct(StringComparer.Ordinal)]
            : TimeZones.KnownWindowsIds;
        var definitions = ids.Select(TimeZones.Definition).ToList();
        return Task.FromResult(EwsRequest.Respond("GetServerTimeZones", [new Outcome<List<TimeZoneDefinition>>(definitions, null)], (w, list) =>
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
