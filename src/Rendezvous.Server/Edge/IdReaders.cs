using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>ConvertId and GetServerTimeZones requests read from XML.</summary>
public static class IdReaders
{
    /// <summary>ConvertId: the format asked for and the sources (counted).</summary>
    public static async Task<(string Destination, List<XElement> Sources)> ConvertIdAsync(EwsRequest request)
    {
        var op = request.Operation;
        var destination = Values.Enum(op, ItemReader.RequiredAttribute(op, "DestinationFormat"), SchemaValues.IdFormatType.All, "IdFormatType");
        var sources = await request.IdsAsync(EwsRequest.Required(op, "SourceIds"));
        return (destination, sources);
    }

    /// <summary>One source of a ConvertId.</summary>
    public static AlternateId AlternateId(XElement source)
    {
        var id = ItemReader.RequiredAttribute(source, "Id");
        var mailbox = ItemReader.RequiredAttribute(source, "Mailbox");
        _ = Values.Enum(source, ItemReader.RequiredAttribute(source, "Format"), SchemaValues.IdFormatType.All, "IdFormatType");
        return new AlternateId(id, mailbox);
    }

    /// <summary>GetServerTimeZones: the zones asked for (null: all) and whether their rules are wanted.</summary>
    public static (IReadOnlyList<string>? Ids, bool Full) GetServerTimeZones(EwsRequest request)
    {
        var op = request.Operation;
        // Note: php-ews and the EWS Managed API document the attribute as defaulting to true; exchangelib always sends it.
        var full = op.Attribute("ReturnFullTimeZoneData") is not { } attribute || Values.Bool(attribute, attribute.Value);
        IReadOnlyList<string>? ids = op.Element(Ews.M + "Ids") is { } requested ? [.. requested.Elements(Ews.T + "Id").Select(e => e.Value)] : null;
        return (ids, full);
    }
}
