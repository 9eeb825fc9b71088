using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>What shapes a written item beyond its own fields: who reads it, at which schema version.</summary>
public sealed class WriteContext
{
    public required ExchangeVersion Version { get; init; }

    /// <summary>The SMTP address of the mailbox owner reading the item.</summary>
    public required string Reader { get; init; }

    /// <summary>The response objects offered on an item (computed by the meeting workflow), in schema choice order.</summary>
    public Func<Item, IReadOnlyList<string>> ResponseObjects { get; init; } = static _ => [];

    public bool Supports(ExchangeVersion since) => Version >= since;
}
