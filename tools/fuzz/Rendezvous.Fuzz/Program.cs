using System.Xml.Linq;
using System.Xml;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using SharpFuzz;

namespace Rendezvous.Fuzz;

/// <summary>
/// One fuzz input is one request body. It goes through what the server does before any store is touched: the SOAP
/// reader with its limits, the schema element check, and the readers each operation uses (items, response objects,
/// shapes, paths, restrictions and sort orders, availability, folder and item ids). An EwsException is the expected
/// answer to bad input, and its fault must then be written as well-formed XML; an item read must be written back
/// as well-formed XML. Anything else (an exception of another type, a hang, a crash) is a finding.
/// </summary>
public static class Program
{
    private static readonly XmlLimits Limits = new(MaxRequestBytes: 1024 * 1024, MaxDepth: 64);

    public static void Main(string[] args)
    {
        if (args.Length > 0)
        {
            // Replays inputs (a finding, or a whole corpus folder) without AFL, to see the exception.
            foreach (var path in args.SelectMany(a => Directory.Exists(a) ? Directory.GetFiles(a) : [a]))
            {
                using var file = File.OpenRead(path);
                try
                {
                    Run(file);
                }
                catch (Exception e)
                {
                    Console.WriteLine($"{path}: {e}");
                }
            }

            return;
        }

        Fuzzer.OutOfProcess.Run(Run);
    }

    public static void Run(Stream input)
    {
        try
        {
            var soap = SoapRequest.Parse(input, Limits);
            Exercise(soap);
        }
        catch (EwsException e)
        {
            using var output = new MemoryStream();
            SoapWriter.WriteFault(output, e);
            output.Position = 0;
            using var check = XmlReader.Create(output);
            while (check.Read())
            {
            }
        }
    }

    private static void Exercise(SoapRequest soap)
    {
        var op = soap.Operation;
        var context = new ReadContext(soap.TimeZoneContext);
        var write = new WriteContext { Version = soap.Version, Reader = "fuzz@example.com" };
        foreach (var e in op.Descendants())
        {
            if (e.Name.Namespace != Ews.T && e.Name.Namespace != Ews.M)
            {
                continue;
            }

            switch (e.Name.LocalName)
            {
                case "Items" when e.Parent == op:
                    foreach (var element in e.Elements())
                    {
                        Item item;
                        if (element.Name.LocalName.EndsWith("Item", StringComparison.Ordinal) && element.Name.LocalName is not ("CalendarItem" or "Item"))
                        {
                            ItemReaders.ReadResponseObject(element, context);
                            continue;
                        }

                        item = ItemReader.ReadNewItem(element, context.For(element.Elements()));
                        WriteBack(item, write, soap.Zone);
                    }

                    break;
                case "ItemShape":
                    ItemReader.ReadShape(e);
                    break;
                case "FieldURI" or "IndexedFieldURI" or "ExtendedFieldURI":
                    ItemReader.ReadPath(e);
                    break;
                case "Restriction":
                    var restriction = RestrictionReader.Parse(e, soap.TimeZoneContext);
                    restriction.Matches(new Item { Id = "x", Subject = "fuzz", Start = DateTime.UtcNow });
                    break;
                case "SortOrder":
                    SortOrderReader.Parse(e);
                    break;
                case "FolderId" or "DistinguishedFolderId":
                    ItemReader.ReadFolderRef(e);
                    break;
                case "ItemId" or "OccurrenceItemId" or "RecurringMasterItemId":
                    ItemReader.ReadItemRef(e);
                    break;
                case "Mailbox" when e.Parent?.Name.LocalName is not ("DistinguishedFolderId"):
                    ItemReader.ReadMailbox(e);
                    break;
                case "MeetingTimeZone":
                    MeetingTimeZone.Read(e);
                    break;
                default:
                    break;
            }
        }

        if (op.Name.LocalName == "GetUserAvailabilityRequest")
        {
            AvailabilityReader.Read(op, soap.TimeZoneContext);
        }
    }

    private static void WriteBack(Item item, WriteContext context, TimeZoneInfo? zone)
    {
        using var output = new MemoryStream();
        SoapWriter.WriteResponse(output, w => ItemWriter.Write(w, item, new ItemShape(BaseShape.AllProperties, null, []), context), zone);
        output.Position = 0;
        XDocument.Load(output);
    }
}
