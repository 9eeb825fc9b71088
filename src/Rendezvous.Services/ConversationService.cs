using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Services;

/// <summary>How FindConversation orders conversations: a conversation: field, ascending or descending.</summary>
public sealed record ConversationSort(string Field, bool Descending);

/// <summary>FindConversation's view: its page and order (by LastDeliveryTime, newest first, when none is given).</summary>
public sealed record FindConversationRequest(Paging Paging, ConversationSort? Sort);

/// <summary>What a set of a conversation's messages adds up to (in one folder, or Global: the whole mailbox).</summary>
public sealed record ConversationFacts(
    IReadOnlyList<string> UniqueRecipients,
    IReadOnlyList<string> UniqueUnreadSenders,
    IReadOnlyList<string> UniqueSenders,
    DateTime LastDeliveryTime,
    IReadOnlyList<string> Categories,
    bool HasAttachments,
    int MessageCount,
    int UnreadCount,
    int Size,
    IReadOnlyList<string> ItemClasses,
    string Importance,
    IReadOnlyList<Item> Items,
    DateTime LastModifiedTime);

/// <summary>One conversation of a FindConversation: its id and topic, its messages in the folder and in the mailbox.</summary>
public sealed record ConversationSummary(string Id, string Topic, ConversationFacts Local, ConversationFacts Global);

/// <summary>GetConversationItems' options: folders left out, how many nodes at most, and their order.</summary>
public sealed record GetConversationItemsRequest(IReadOnlyList<FolderRef> FoldersToIgnore, int? MaxItemsToReturn, string SortOrder);

/// <summary>One message of a conversation (the items of one Internet Message-ID) and the message it answers.</summary>
public sealed record ConversationNode(string? InternetMessageId, string? ParentInternetMessageId, IReadOnlyList<Item> Items);

/// <summary>
/// Conversations (issue 17 §3): every message is given its conversation when it is saved or sent
/// (<see cref="Conversations"/>), and FindConversation and GetConversationItems group the mailbox's messages by it.
/// The store keeps no index of conversations: a mailbox's mail folders are read, as a FindItem reads a folder.
/// </summary>
public static class ConversationService
{
    /// <summary>
    /// A new message joins the conversation of the message its In-Reply-To or References name, when the mailbox holds
    /// it, or starts one. A message that has one already (a draft being sent, a reply) keeps it.
    /// </summary>
    public static async Task JoinAsync(Session session, Item message)
    {
        if (message.ConversationId is not null && message.ConversationIndex is not null)
        {
            return;
        }

        Item? parent = null;
        var named = Conversations.ParentIds(message);
        if (named.Count > 0)
        {
            var byId = new Dictionary<string, Item>(StringComparer.Ordinal);
            foreach (var item in await MailboxMessagesAsync(session, new HashSet<string>(StringComparer.Ordinal)))
            {
                if (item.InternetMessageId is { } id)
                {
                    byId.TryAdd(id, item);
                }
            }

            parent = named.Select(id => byId.GetValueOrDefault(id)).FirstOrDefault(i => i is not null);
        }

        Conversations.Assign(message, parent, session.Now, Guid.NewGuid());
    }

    /// <summary>FindConversation: the conversations with messages in a folder, paged.</summary>
    public static async Task<Page<ConversationSummary>> FindAsync(Session session, FindConversationRequest request, FolderRef parent)
    {
        var folder = await session.ResolveFolderAsync(parent);
        var all = await MailboxMessagesAsync(session, new HashSet<string>(StringComparer.Ordinal));
        var global = all.GroupBy(Conversations.ConversationIdOf, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var inFolder = (await session.Store.GetItemsAsync(folder.Id, session.Cancellation)).Where(Counts).ToList();
        var summaries = inFolder.GroupBy(Conversations.ConversationIdOf, StringComparer.Ordinal).Select(g =>
        {
            var everywhere = global.GetValueOrDefault(g.Key) ?? [.. g];
            var first = everywhere.MinBy(i => Conversations.IndexOf(i), IndexComparer.Instance)!;
            return new ConversationSummary(g.Key, Conversations.TopicOf(first), Facts([.. g]), Facts(everywhere));
        });
        var sort = request.Sort ?? new ConversationSort("conversation:LastDeliveryTime", true);
        IEnumerable<ConversationSummary> ordered = sort.Descending
            ? summaries.OrderByDescending(s => SortKey(s, sort.Field)).ThenByDescending(s => s.Local.LastDeliveryTime)
            : summaries.OrderBy(s => SortKey(s, sort.Field)).ThenBy(s => s.Local.LastDeliveryTime);
        return request.Paging.Apply(ordered.ToList());
    }

    /// <summary>The conversation fields FindConversation sorts by (the others fall back to LastDeliveryTime).</summary>
    public static readonly IReadOnlySet<string> SortFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "conversation:LastDeliveryTime", "conversation:GlobalLastDeliveryTime", "conversation:ConversationTopic", "conversation:MessageCount",
        "conversation:GlobalMessageCount", "conversation:UnreadCount", "conversation:GlobalUnreadCount", "conversation:Size", "conversation:GlobalSize",
        "conversation:HasAttachments", "conversation:Importance",
    };

    private static IComparable SortKey(ConversationSummary s, string field) => field switch
    {
        "conversation:GlobalLastDeliveryTime" => s.Global.LastDeliveryTime,
        "conversation:ConversationTopic" => s.Topic.ToUpperInvariant(),
        "conversation:MessageCount" => s.Local.MessageCount,
        "conversation:GlobalMessageCount" => s.Global.MessageCount,
        "conversation:UnreadCount" => s.Local.UnreadCount,
        "conversation:GlobalUnreadCount" => s.Global.UnreadCount,
        "conversation:Size" => s.Local.Size,
        "conversation:GlobalSize" => s.Global.Size,
        "conversation:HasAttachments" => s.Local.HasAttachments,
        "conversation:Importance" => Rank(s.Local.Importance),
        _ => s.Local.LastDeliveryTime,
    };

    /// <summary>GetConversationItems: one conversation's messages in the mailbox (less the folders ignored), as nodes.</summary>
    public static async Task<IReadOnlyList<ConversationNode>> GetItemsAsync(Session session, GetConversationItemsRequest request, string conversationId)
    {
        var ignore = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in request.FoldersToIgnore)
        {
            ignore.Add((await session.ResolveFolderAsync(reference)).Id);
        }

        var items = (await MailboxMessagesAsync(session, ignore))
            .Where(i => string.Equals(Conversations.ConversationIdOf(i), conversationId, StringComparison.Ordinal)).ToList();
        if (items.Count == 0)
        {
            throw new DomainException(ErrorCode.ItemNotFound, "The conversation was not found in this mailbox.");
        }

        // One node per Internet Message-ID: the sender's Sent Items copy and a copy moved elsewhere are one message.
        var groups = items.GroupBy(i => i.InternetMessageId ?? i.Id, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        var known = items.Where(i => i.InternetMessageId is not null).Select(i => i.InternetMessageId!).ToHashSet(StringComparer.Ordinal);
        var nodes = groups.Select(g =>
        {
            var first = g[0];
            var parent = Conversations.ParentIds(first).FirstOrDefault(id => known.Contains(id) && id != first.InternetMessageId);
            return (Node: new ConversationNode(first.InternetMessageId, parent, g), Index: g.Select(Conversations.IndexOf).Min(IndexComparer.Instance)!,
                Time: g.Max(i => i.DateTimeReceived ?? i.DateTimeCreated));
        });
        var ordered = request.SortOrder switch
        {
            SchemaValues.ConversationNodeSortOrder.TreeOrderDescending => nodes.OrderByDescending(n => n.Index, IndexComparer.Instance),
            SchemaValues.ConversationNodeSortOrder.DateOrderAscending => nodes.OrderBy(n => n.Time),
            SchemaValues.ConversationNodeSortOrder.DateOrderDescending => nodes.OrderByDescending(n => n.Time),
            _ => nodes.OrderBy(n => n.Index, IndexComparer.Instance),
        };
        var result = ordered.Select(n => n.Node);
        return [.. request.MaxItemsToReturn is { } max ? result.Take(max) : result];
    }

    /// <summary>What counts as a conversation's message: mail and meeting messages, not drafts of other kinds.</summary>
    private static bool Counts(Item item) => item.IsMessageLike;

    /// <summary>The messages of the caller's mailbox under its message folder root, less <paramref name="ignore"/>.</summary>
    private static async Task<List<Item>> MailboxMessagesAsync(Session session, IReadOnlySet<string> ignore)
    {
        var root = await session.Store.GetDistinguishedFolderAsync(session.MailboxId, "msgfolderroot", session.Cancellation)
            ?? throw new DomainException(ErrorCode.FolderNotFound, "The mailbox has no message folder root.");
        var folders = (await session.Store.GetChildFoldersAsync(root.Id, deep: true, session.Cancellation)).Prepend(root);
        var items = new List<Item>();
        foreach (var folder in folders)
        {
            if (ignore.Contains(folder.Id) || (folder.FolderClass is { } c && !c.StartsWith("IPF.Note", StringComparison.Ordinal)))
            {
                continue;
            }

            items.AddRange((await session.Store.GetItemsAsync(folder.Id, session.Cancellation)).Where(Counts));
        }

        return items;
    }

    private static ConversationFacts Facts(List<Item> items)
    {
        static string Name(EmailAddress a) => a.Name ?? a.Address;
        var senders = items.Select(i => i.From ?? i.Sender).OfType<EmailAddress>();
        return new ConversationFacts(
            UniqueRecipients: [.. items.SelectMany(i => (i.ToRecipients ?? []).Concat(i.CcRecipients ?? [])).Select(Name).Distinct(StringComparer.Ordinal)],
            UniqueUnreadSenders: [.. items.Where(i => i.IsRead != true).Select(i => i.From ?? i.Sender).OfType<EmailAddress>().Select(Name).Distinct(StringComparer.Ordinal)],
            UniqueSenders: [.. senders.Select(Name).Distinct(StringComparer.Ordinal)],
            LastDeliveryTime: items.Max(i => i.DateTimeReceived ?? i.DateTimeCreated),
            Categories: [.. items.SelectMany(i => i.Categories ?? []).Distinct(StringComparer.Ordinal)],
            HasAttachments: items.Any(i => i.HasAttachments),
            MessageCount: items.Count,
            UnreadCount: items.Count(i => i.IsRead != true),
            Size: (int)Math.Min(int.MaxValue, items.Sum(i => (long)i.Size)),
            ItemClasses: [.. items.Select(i => i.ItemClass ?? "IPM.Note").Distinct(StringComparer.Ordinal)],
            Importance: items.Select(i => i.Importance ?? SchemaValues.ImportanceChoicesType.Normal).MaxBy(Rank)!,
            Items: [.. items.OrderByDescending(i => i.DateTimeReceived ?? i.DateTimeCreated)],
            LastModifiedTime: items.Max(i => i.LastModifiedTime));
    }

    private static int Rank(string importance) => importance switch
    {
        SchemaValues.ImportanceChoicesType.High => 2,
        SchemaValues.ImportanceChoicesType.Low => 0,
        _ => 1,
    };

    /// <summary>Conversation indexes in tree order: byte by byte, a parent (a prefix) before its replies.</summary>
    private sealed class IndexComparer : IComparer<byte[]>
    {
        public static readonly IndexComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
