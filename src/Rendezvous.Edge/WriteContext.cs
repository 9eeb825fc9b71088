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

    /// <summary>
    /// The id of the item whose attachments' ids are written: the item itself, or, inside an item attachment, the root
    /// item the attachment belongs to (an attached item has no id of its own).
    /// </summary>
    public string? AttachmentRootId { get; init; }

    /// <summary>
    /// The stored attachments a written MimeContent takes its parts from (opened for the response, which holds them);
    /// null: a MimeContent is written without its attachments.
    /// </summary>
    public IAttachmentSource? Attachments { get; init; }

    public bool Supports(ExchangeVersion since) => Version >= since;

    /// <summary>The last shape's plan: a response writes its items with one shape, so it is worked out once.</summary>
    internal WritePlan? Plan { get; set; }

    /// <summary>The item an occurrence's own values are written from (<see cref="ItemWriter.WriteOccurrence"/>), reused.</summary>
    internal Item? OccurrenceScratch { get; set; }
}
