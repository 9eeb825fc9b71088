using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>ConvertId and GetServerTimeZones responses written as EWS.</summary>
public static class IdWriters
{
    public static Action<EwsWriter> ConvertId(string destination, IReadOnlyList<Outcome<AlternateId>> outcomes) =>
        EwsRequest.Respond("ConvertId", outcomes, (w, converted) =>
        {
            w.StartM("AlternateId");
            // The xsi and t prefixes are declared on the envelope, so nothing is declared after the attribute that uses it.
            w.Xml.WriteAttributeString("xsi", "type", Ews.XsiNs, "t:AlternateIdType");
            w.Attr("Format", destination);
            w.Attr("Id", converted.Id);
            w.Attr("Mailbox", converted.Mailbox);
            w.End();
        });

    public static Action<EwsWriter> GetServerTimeZones(IReadOnlyList<TimeZoneDefinition> definitions, bool full) =>
        EwsRequest.Respond("GetServerTimeZones", [new Outcome<IReadOnlyList<TimeZoneDefinition>>(definitions, null)], (w, list) =>
        {
            w.StartM("TimeZoneDefinitions");
            foreach (var definition in list)
            {
                TimeZoneWriter.Write(w, "TimeZoneDefinition", definition, full);
            }

            w.End();
        });
}
