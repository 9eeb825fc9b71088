using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// ConvertId. Our ids are opaque and have one form, so every format converts to the same id; what clients
/// really want here is the answer's Mailbox, the caller's real address.
/// </summary>
public static class ConvertIdHandler
{
    private static readonly HashSet<string> Formats = ["EwsLegacyId", "EwsId", "EntryId", "HexEntryId", "StoreId", "OwaId"];

    public static async Task<Action<EwsWriter>> ConvertId(EwsRequest request)
    {
        var op = request.Operation;
        var destination = Values.Enum(op, ItemReader.RequiredAttribute(op, "DestinationFormat"), Formats, "IdFormatType");
        var sources = await request.IdsAsync(EwsRequest.Required(op, "SourceIds"));
        var results = new List<Outcome<string>>();
        foreach (var source in sources)
        {
            var id = ItemReader.RequiredAttribute(source, "Id");
            var mailbox = ItemReader.RequiredAttribute(source, "Mailbox");
            _ = Values.Enum(source, ItemReader.RequiredAttribute(source, "Format"), Formats, "IdFormatType");
            // Note: DavMail sends Mailbox="blah@blah.com" and reads the real address back from the answer;
            // exchangelib's version probe sends Id="DUMMY" Mailbox="DUMMY" and only needs the ServerVersionInfo.
            results.Add(mailbox.Contains('@', StringComparison.Ordinal)
                ? new Outcome<string>(id, null)
                : new Outcome<string>(null, new EwsException(ResponseCodes.ErrorInvalidIdMalformed, "Id is malformed.")));
        }

        return EwsRequest.Respond("ConvertId", results, (w, id) =>
        {
            w.StartM("AlternateId");
            // The xsi:type value names a t: QName; declare the prefix here so the element stands on its own.
            w.Xml.WriteAttributeString("xmlns", "t", null, Protocol.Ews.TypesNs);
            w.Xml.WriteAttributeString("xsi", "type", "http://www.w3.org/2001/XMLSchema-instance", "t:AlternateIdType");
            w.Attr("Format", destination);
            w.Attr("Id", id);
            w.Attr("Mailbox", request.User.Address);
            w.End();
        });
    }
}
