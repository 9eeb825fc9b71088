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
            // The xsi:type value names a t: QName; declare the prefix here so the element stands on its own.
            w.Xml.WriteAttributeString("xmlns", "t", null, Ews.TypesNs);
            w.Xml.WriteAttributeString("xsi", "type", "http://www.w3.org/2001/XMLSchema-instance", "t:AlternateIdType");
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
