using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>ConvertId: reads the sources, has <see cref="IdService"/> convert each, writes the AlternateIds.</summary>
public static class ConvertIdHandler
{
    private static readonly HashSet<string> Formats = ["EwsLegacyId", "EwsId", "EntryId", "HexEntryId", "StoreId", "OwaId"];

    public static async Task<Action<EwsWriter>> ConvertId(EwsRequest request)
    {
        var op = request.Operation;
        var destination = Values.Enum(op, ItemReader.RequiredAttribute(op, "DestinationFormat"), Formats, "IdFormatType");
        var sources = await request.IdsAsync(EwsRequest.Required(op, "SourceIds"));
        var results = await request.PerItemAsync(sources, source =>
        {
            var id = ItemReader.RequiredAttribute(source, "Id");
            var mailbox = ItemReader.RequiredAttribute(source, "Mailbox");
            _ = Values.Enum(source, ItemReader.RequiredAttribute(source, "Format"), Formats, "IdFormatType");
            return Task.FromResult(IdService.Convert(request.Session, new AlternateId(id, mailbox)));
        });

        return EwsRequest.Respond("ConvertId", results, (w, converted) =>
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
    }
}
