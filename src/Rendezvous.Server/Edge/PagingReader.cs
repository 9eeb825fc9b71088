using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>IndexedPage*View and FractionalPage*View read into a <see cref="Paging"/>, and a page's attributes written back.</summary>
public static class PagingReader
{
    /// <summary>The view of a find, at most <paramref name="findLimit"/> entries (see <see cref="Paging"/>).</summary>
    public static Paging Read(XElement operation, string indexedName, string fractionalName, int findLimit)
    {
        if (operation.Element(Ews.M + indexedName) is { } indexed)
        {
            var max = MaxEntries(indexed);
            var offset = Values.Int(indexed, ItemReader.RequiredAttribute(indexed, "Offset"));
            var basePoint = ItemReader.RequiredAttribute(indexed, "BasePoint");
            var fromEnd = basePoint switch
            {
                SchemaValues.IndexBasePointType.Beginning => false,
                SchemaValues.IndexBasePointType.End => true,
                _ => throw SoapRequest.Schema(indexed, $"The value '{Values.Excerpt(basePoint)}' is not a valid IndexBasePointType."),
            };
            if (offset < 0)
            {
                throw new EwsException(ResponseCodes.ErrorInvalidIndexedPagingParameters, "The paging offset must not be negative.");
            }

            return Paging.Indexed(max, offset, fromEnd, findLimit);
        }

        if (operation.Element(Ews.M + fractionalName) is { } fractional)
        {
            var max = MaxEntries(fractional);
            var numerator = Values.Int(fractional, ItemReader.RequiredAttribute(fractional, "Numerator"));
            var denominator = Values.Int(fractional, ItemReader.RequiredAttribute(fractional, "Denominator"));
            if (denominator <= 0 || numerator < 0 || numerator > denominator)
            {
                throw new EwsException(ResponseCodes.ErrorInvalidRequest, "The fractional page needs 0 <= Numerator <= Denominator and Denominator > 0.");
            }

            return Paging.Fractional(max, numerator, denominator, findLimit);
        }

        return Paging.Unpaged(findLimit);
    }

    public static int? MaxEntries(XElement view)
    {
        if (view.Attribute("MaxEntriesReturned") is not { } attribute)
        {
            return null;
        }

        var max = Values.Int(attribute, attribute.Value);
        return max > 0 ? max : throw new EwsException(ResponseCodes.ErrorInvalidPagingMaxRows, "MaxEntriesReturned must be positive.");
    }

    /// <summary>The paging attributes of a RootFolder: where the next page starts, the total, whether this is the last.</summary>
    public static void WriteAttributes<T>(EwsWriter w, Page<T> page)
    {
        if (page.NextFraction is { } f)
        {
            w.Attr("NumeratorOffset", Values.Format(f.Numerator));
            w.Attr("AbsoluteDenominator", Values.Format(f.Denominator));
        }
        else
        {
            w.Attr("IndexedPagingOffset", Values.Format(page.NextOffset ?? page.Items.Count));
        }

        w.Attr("TotalItemsInView", Values.Format(page.Total));
        w.Attr("IncludesLastItemInRange", Values.Format(page.IncludesLast));
    }
}
