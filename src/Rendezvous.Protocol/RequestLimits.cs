using System.Globalization;
using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>
/// How much work and memory one request may ask for, checked before the work starts (children are counted first).
/// The defaults are Exchange's where Exchange has one (EWSFindCountLimit 1,000; a restriction of at most 255 nodes)
/// and otherwise well above what clients send: exchangelib sends 100 ids, items or changes per request.
/// </summary>
public sealed record RequestLimits
{
    /// <summary>Ids in one GetItem, DeleteItem, MoveItem, CopyItem, SendItem, GetFolder, DeleteFolder or ConvertId; parent folders of a find; Ignore ids of a sync.</summary>
    public int MaxIdsPerRequest { get; init; } = 1000;

    /// <summary>Items (or response objects) in one CreateItem.</summary>
    public int MaxItemsPerCreate { get; init; } = 1000;

    /// <summary>Folders in one CreateFolder.</summary>
    public int MaxFoldersPerCreate { get; init; } = 1000;

    /// <summary>ItemChange or FolderChange elements in one UpdateItem or UpdateFolder.</summary>
    public int MaxChangesPerUpdate { get; init; } = 1000;

    /// <summary>Set, Append and Delete field updates in one ItemChange or FolderChange.</summary>
    public int MaxUpdatesPerChange { get; init; } = 256;

    /// <summary>FieldURI, IndexedFieldURI and ExtendedFieldURI paths in one shape's AdditionalProperties.</summary>
    public int MaxShapeProperties { get; init; } = 256;

    /// <summary>Search expressions in one Restriction (Exchange: ErrorRestrictionTooLong beyond 255 nodes).</summary>
    public int MaxRestrictionNodes { get; init; } = 255;

    /// <summary>Items or folders one FindItem or FindFolder returns (Exchange's EWSFindCountLimit): a larger page is cut to it.</summary>
    public int MaxFindCount { get; init; } = 1000;

    /// <summary>The estimated size of the items one GetItem returns; the items after it are ErrorBatchProcessingStopped.</summary>
    public long MaxResponseItemBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>A GetItem that has read more than this many bytes of items is large, as a request with many ids is.</summary>
    public long LargeResponseItemBytes { get; init; } = 1024 * 1024;

    /// <summary>A FindItem over a folder of more items than this is large: the folder is read whole before it is paged.</summary>
    public int LargeFolderItems { get; init; } = 10_000;

    /// <summary>How much of a response is kept in memory while it is written; the rest goes to a temporary file.</summary>
    public int ResponseBufferBytes { get; init; } = 256 * 1024;

    /// <summary>A request with more ids, items or changes than this is large: only a few large requests run at once.</summary>
    public int LargeRequestThreshold { get; init; } = 100;

    /// <summary>Large requests that may run at once; one more waits briefly, then gets ErrorServerBusy with a back-off.</summary>
    public int MaxConcurrentLargeRequests { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>The BackOffMilliseconds hint of ErrorServerBusy.</summary>
    public int BackOffMilliseconds { get; init; } = 1000;

    /// <summary>The children of <paramref name="parent"/>, or an ErrorInvalidRequest fault naming the limit when there are more than <paramref name="limit"/>.</summary>
    public static List<XElement> Children(XElement parent, int limit, string what, string limitName)
    {
        var children = parent.Elements().ToList();
        return children.Count <= limit ? children : throw Exceeded(parent, children.Count, limit, what, limitName);
    }

    /// <summary>The ErrorInvalidRequest fault for <paramref name="count"/> <paramref name="what"/> over <paramref name="limit"/>, naming the limit and the operation.</summary>
    public static EwsFaultException Exceeded(XElement at, int count, int limit, string what, string limitName) =>
        new(ResponseCodes.ErrorInvalidRequest, string.Create(CultureInfo.InvariantCulture,
            $"The request is invalid: {OperationOf(at)} has {count} {what}, more than the limit of {limit} ({limitName}). Send them in several requests."));

    /// <summary>The search expressions in a restriction, counted before anything is compiled.</summary>
    public void CheckRestriction(XElement restriction)
    {
        var nodes = 0;
        foreach (var e in restriction.Descendants())
        {
            if (e.Name.LocalName is "And" or "Or" or "Not" or "Exists" or "Excludes" or "Contains"
                or "IsEqualTo" or "IsNotEqualTo" or "IsGreaterThan" or "IsGreaterThanOrEqualTo" or "IsLessThan" or "IsLessThanOrEqualTo"
                && ++nodes > MaxRestrictionNodes)
            {
                throw new EwsFaultException(ResponseCodes.ErrorRestrictionTooLong, string.Create(CultureInfo.InvariantCulture,
                    $"The restriction has more than {MaxRestrictionNodes} nodes (MaxRestrictionNodes)."));
            }
        }
    }

    /// <summary>The property paths of a shape, counted before they are read.</summary>
    public void CheckShape(XElement shape)
    {
        var count = shape.Elements(Ews.T + "AdditionalProperties").Sum(a => a.Elements().Count());
        if (count > MaxShapeProperties)
        {
            throw Exceeded(shape, count, MaxShapeProperties, "properties in its " + shape.Name.LocalName, nameof(MaxShapeProperties));
        }
    }

    private static string OperationOf(XElement e)
    {
        var operation = e.AncestorsAndSelf().FirstOrDefault(a => a.Parent?.Name == Ews.Soap + "Body");
        return operation is null || operation == e ? e.Name.LocalName : $"{operation.Name.LocalName}/{e.Name.LocalName}";
    }
}
