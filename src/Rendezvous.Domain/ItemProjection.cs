using Rendezvous.Protocol;

namespace Rendezvous.Domain;

/// <summary>
/// The bag properties a reader needs of the items of one kind it reads (a calendar view: what its shape writes, its
/// order and <see cref="FolderAccess.CanSee"/> read), so a store decodes only those of a row, as free/busy's read
/// does. Items of another kind are read whole. Items read so are partial views, never to be written back.
/// </summary>
public sealed class ItemProjection
{
    public ItemProjection(ItemKind kind, IEnumerable<PropertyDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        Kind = kind;
        var set = definitions.ToHashSet();
        Definitions = set;
        Key = kind + ":" + string.Join('|', set.Select(d => d.Key).Order(StringComparer.Ordinal));
    }

    /// <summary>The kind whose items are decoded in part.</summary>
    public ItemKind Kind { get; }

    public IReadOnlySet<PropertyDefinition> Definitions { get; }

    /// <summary>The same for equal projections: what a store keys its decoding tables by.</summary>
    public string Key { get; }
}
