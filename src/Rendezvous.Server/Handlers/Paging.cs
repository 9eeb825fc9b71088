using System.Globalization;
using System.Xml.Linq;
using Rendezvous.Ews;
using Rendezvous.Protocol;

namespace Rendezvous.Server.Handlers;

/// <summary>IndexedPage*View and FractionalPage*View: which slice of a result to return, and how to describe it.</summary>
public sealed class Paging
{
    private int? max;
    private int offset;
    private bool fromEnd;
    private int? numerator;
    private int denominator = 1;
    private bool paged;
    private int limit = int.MaxValue;

    /// <summary>
    /// The view of a find, at most <paramref name="findLimit"/> entries (EWSFindCountLimit): a paged view asking for
    /// more gets a page of that size (IncludesLastItemInRange false, as Exchange); an unpaged find with more results
    /// is ErrorExceededFindCountLimit.
    /// </summary>
    public static Paging Read(XElement operation, string indexedName, string fractionalName, int findLimit)
    {
        var paging = new Paging { limit = findLimit };
        if (operation.Element(Protocol.Ews.M + indexedName) is { } indexed)
        {
            paging.paged = true;
            paging.max = MaxEntries(indexed);
            paging.offset = Values.Int(indexed, ItemReader.RequiredAttribute(indexed, "Offset"));
            var basePoint = ItemReader.RequiredAttribute(indexed, "BasePoint");
            paging.fromEnd = basePoint switch
            {
                "Beginning" => false,
                "End" => true,
                _ => throw SoapRequest.Schema(indexed, $"The value '{Values.Excerpt(basePoint)}' is not a valid IndexBasePointType."),
            };
            if (paging.offset < 0)
            {
                throw new EwsException(ResponseCodes.ErrorInvalidIndexedPagingParameters, "The paging offset must not be negative.");
            }
        }
        else if (operation.Element(Protocol.Ews.M + fractionalName) is { } fractional)
        {
            paging.paged = true;
            paging.max = MaxEntries(fractional);
            paging.numerator = Values.Int(fractional, ItemReader.RequiredAttribute(fractional, "Numerator"));
            paging.denominator = Values.Int(fractional, ItemReader.RequiredAttribute(fractional, "Denominator"));
            if (paging.denominator <= 0 || paging.numerator < 0 || paging.numerator > paging.denominator)
            {
                throw new EwsException(ResponseCodes.ErrorInvalidRequest, "The fractional page needs 0 <= Numerator <= Denominator and Denominator > 0.");
            }
        }

        return paging;
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

    public static EwsException FindCountExceeded(int limit) =>
        new(ResponseCodes.ErrorExceededFindCountLimit, string.Create(CultureInfo.InvariantCulture,
            $"The find returns more than {limit} entries (MaxFindCount): ask for them in pages with an IndexedPageItemView or IndexedPageFolderView."));

    public Page<T> Apply<T>(IReadOnlyList<T> all)
    {
        var total = all.Count;
        if (!paged && total > limit)
        {
            throw FindCountExceeded(limit);
        }

        int? max = Math.Min(this.max ?? limit, limit);
        int start, end;
        if (numerator is { } n)
        {
            start = (int)((long)total * n / denominator);
            end = max is { } m ? Math.Min(total, start + m) : total;
        }
        else if (fromEnd)
        {
            // Offset counts back from the end: the page is the `max` items before it.
            end = Math.Max(0, total - offset);
            start = max is { } m ? Math.Max(0, end - m) : 0;
        }
        else
        {
            start = Math.Min(offset, total);
            end = max is { } m ? Math.Min(total, start + m) : total;
        }

        var items = all.Skip(start).Take(end - start).ToList();
        var includesLast = fromEnd ? start == 0 : end >= total;
        return numerator is null
            ? new Page<T>(items, total, includesLast, fromEnd ? offset + items.Count : end, null)
            : new Page<T>(items, total, includesLast, null, (end, total));
    }
}

public sealed record Page<T>(IReadOnlyList<T> Items, int Total, bool IncludesLast, int? NextOffset, (int Numerator, int Denominator)? NextFraction)
{
    public void WriteAttributes(EwsWriter w)
    {
        if (NextFraction is { } f)
        {
            w.Attr("NumeratorOffset", Values.Format(f.Numerator));
            w.Attr("AbsoluteDenominator", Values.Format(f.Denominator));
        }
        else
        {
            w.Attr("IndexedPagingOffset", Values.Format(NextOffset ?? Items.Count));
        }

        w.Attr("TotalItemsInView", Values.Format(Total));
        w.Attr("IncludesLastItemInRange", Values.Format(IncludesLast));
    }
}
