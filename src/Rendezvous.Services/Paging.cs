using System.Globalization;
using Rendezvous.Domain;

namespace Rendezvous.Services;

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
    /// A view of a find, at most <paramref name="findLimit"/> entries (EWSFindCountLimit): a paged view asking for
    /// more gets a page of that size (IncludesLastItemInRange false, as Exchange); an unpaged find with more results
    /// is <see cref="ErrorCode.FindCountExceeded"/>.
    /// </summary>
    public static Paging Unpaged(int findLimit) => new() { limit = findLimit };

    /// <summary>An indexed page: <paramref name="max"/> entries from <paramref name="offset"/>, counted from the end when <paramref name="fromEnd"/>.</summary>
    public static Paging Indexed(int? max, int offset, bool fromEnd, int findLimit) =>
        new() { limit = findLimit, paged = true, max = max, offset = offset, fromEnd = fromEnd };

    /// <summary>A fractional page: <paramref name="max"/> entries from <paramref name="numerator"/>/<paramref name="denominator"/> of the way in.</summary>
    public static Paging Fractional(int? max, int numerator, int denominator, int findLimit) =>
        new() { limit = findLimit, paged = true, max = max, numerator = numerator, denominator = denominator };

    public static DomainException FindCountExceeded(int limit) =>
        new(ErrorCode.FindCountExceeded, string.Create(CultureInfo.InvariantCulture,
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

public sealed record Page<T>(IReadOnlyList<T> Items, int Total, bool IncludesLast, int? NextOffset, (int Numerator, int Denominator)? NextFraction);
