using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// What name resolution reads of a contact or private distribution list of the caller: its names and SMTP addresses.
/// A contact's fields keep their stored form and get their meaning at the edge, so the edge reads them
/// (<see cref="IContactCards"/>).
/// </summary>
public sealed record ContactCard(string DisplayName, IReadOnlyList<string> Names, IReadOnlyList<string> Addresses, bool IsList)
{
    /// <summary>A private list's members, as it keeps them.</summary>
    public IReadOnlyList<EmailAddress> Members { get; init; } = [];
}

/// <summary>Reads an item of a contacts folder as a <see cref="ContactCard"/> (null: neither a contact nor a list).</summary>
public interface IContactCards
{
    ContactCard? Read(Item item);
}

/// <summary>A ResolveNames: the one ambiguous name, where to look and what to give back.</summary>
/// <param name="Entry">The UnresolvedEntry: part of a name, an alias, an address, or "SMTP:" and (part of) an address.</param>
/// <param name="ReturnFullContactData">Whether a directory entry comes with its contact data.</param>
/// <param name="SearchScope">A ResolveNamesSearchScopeType: which of the directory and the caller's contacts, in which order.</param>
/// <param name="ParentFolders">The contacts folders to look in (null: the caller's Contacts folder).</param>
public sealed record ResolveNamesRequest(string Entry, bool ReturnFullContactData, string SearchScope, IReadOnlyList<FolderRef>? ParentFolders);

/// <summary>
/// One candidate: a user of this server (<see cref="User"/>), or a contact or private list of the caller
/// (<see cref="Item"/>), as a mailbox (its MailboxType: Mailbox, Contact or PrivateDL).
/// </summary>
public sealed record Resolution(EmailAddress Mailbox, UserRecord? User, Item? Item);

/// <summary>An ExpandDL: the list by its address (a list of the server), or by the ItemId of a private list of the caller.</summary>
public sealed record ExpandDLRequest(string? Address, ItemRef? Item);

/// <summary>The candidates (at most <see cref="PeopleService.MaxCandidates"/>) and how many there were.</summary>
public sealed record ResolveNamesResult(IReadOnlyList<Resolution> Candidates, int Total)
{
    public bool IncludesLast => Candidates.Count == Total;
}

/// <summary>
/// ResolveNames (issue 17 §4): the users of this server are its directory, searched as Exchange's ambiguous name
/// resolution does (the start of the display name or of any word of it, the start of the alias, the whole address;
/// "SMTP:" and the start of an address), and its distribution lists likewise, then (or first, by SearchScope) the caller's contacts and private lists. An
/// entry that is some candidate's whole address resolves to that address alone. Only the caller's own folders are read.
/// </summary>
public static class PeopleService
{
    /// <summary>Candidates one ResolveNames answers at most (Exchange's limit, which clients know).</summary>
    public const int MaxCandidates = 100;

    private const string SmtpPrefix = "SMTP:";

    public static async Task<ResolveNamesResult> ResolveNamesAsync(Session session, ResolveNamesRequest request, IContactCards cards)
    {
        var entry = request.Entry.Trim();
        var addressOnly = entry.StartsWith(SmtpPrefix, StringComparison.OrdinalIgnoreCase);
        if (addressOnly)
        {
            entry = entry[SmtpPrefix.Length..].Trim();
        }

        if (entry.Length == 0)
        {
            throw NoResults();
        }

        var scope = request.SearchScope;
        var directory = scope != SchemaValues.ResolveNamesSearchScopeType.Contacts;
        var contacts = scope != SchemaValues.ResolveNamesSearchScopeType.ActiveDirectory;
        var found = new List<Resolution>();
        if (scope == SchemaValues.ResolveNamesSearchScopeType.ContactsActiveDirectory)
        {
            found.AddRange(await ContactsAsync(session, request.ParentFolders, entry, addressOnly, cards));
            found.AddRange(await DirectoryAsync(session, entry, addressOnly));
        }
        else
        {
            if (directory)
            {
                found.AddRange(await DirectoryAsync(session, entry, addressOnly));
            }

            if (contacts)
            {
                found.AddRange(await ContactsAsync(session, request.ParentFolders, entry, addressOnly, cards));
            }
        }

        // A whole address names that address: the other candidates only began with it.
        if (found.Any(r => r.Mailbox.Is(entry)))
        {
            found = [.. found.Where(r => r.Mailbox.Is(entry))];
        }

        // One candidate per address, the first found (the directory's, unless the scope puts contacts first); lists
        // and contacts without an address are each their own.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        found = [.. found.Where(r => r.Mailbox.Address.Length == 0 || seen.Add(r.Mailbox.Address))];
        return found.Count == 0 ? throw NoResults() : new ResolveNamesResult([.. found.Take(MaxCandidates)], found.Count);
    }

    /// <summary>
    /// The members of a list: a server list's (each a user, another list, or an address of no one here, as a one-off),
    /// or a private list's of the caller's contacts, as it keeps them. Nested lists are members, not expanded, as
    /// Exchange answers. No such list (or one of another mailbox) is ErrorNameResolutionNoResults.
    /// </summary>
    public static async Task<IReadOnlyList<EmailAddress>> ExpandAsync(Session session, ExpandDLRequest request, IContactCards cards)
    {
        if (request.Item is { } reference)
        {
            Item item;
            try
            {
                item = await session.GetOwnItemAsync(reference);
            }
            catch (DomainException e) when (e.Code == ErrorCode.ItemNotFound)
            {
                throw NoResults();
            }

            return item.Kind == ItemKind.DistributionList && cards.Read(item) is { } card ? card.Members : throw NoResults();
        }

        var address = (request.Address ?? "").Trim();
        if (address.StartsWith(SmtpPrefix, StringComparison.OrdinalIgnoreCase))
        {
            address = address[SmtpPrefix.Length..].Trim();
        }

        var list = address.Length == 0 ? null : await session.Store.FindDistributionListAsync(address, session.Cancellation);
        if (list is null)
        {
            throw NoResults();
        }

        var users = (await session.Store.ListUsersAsync(session.Cancellation)).ToDictionary(u => u.Address, StringComparer.OrdinalIgnoreCase);
        var lists = (await session.Store.ListDistributionListsAsync(session.Cancellation)).ToDictionary(l => l.Address, StringComparer.OrdinalIgnoreCase);
        return [.. list.Members.Select(m =>
            users.TryGetValue(m, out var user) ? new EmailAddress(user.DisplayName, user.Address, "SMTP", SchemaValues.MailboxTypeType.Mailbox)
            : lists.TryGetValue(m, out var nested) ? new EmailAddress(nested.DisplayName, nested.Address, "SMTP", SchemaValues.MailboxTypeType.PublicDL)
            : new EmailAddress(m, m, "SMTP", SchemaValues.MailboxTypeType.OneOff))];
    }

    private static DomainException NoResults() => new(ErrorCode.NameResolutionNoResults, "No results were found.");

    private static async Task<IEnumerable<Resolution>> DirectoryAsync(Session session, string entry, bool addressOnly)
    {
        var users = await session.Store.ListUsersAsync(session.Cancellation);
        return users
            .Where(u => addressOnly ? u.Address.StartsWith(entry, StringComparison.OrdinalIgnoreCase) : Matches(entry, u.DisplayName, [], [u.Address]))
            .OrderBy(u => u.DisplayName, StringComparer.OrdinalIgnoreCase)
            .ThenBy(u => u.Address, StringComparer.OrdinalIgnoreCase)
            .Select(u => new Resolution(new EmailAddress(u.DisplayName, u.Address, "SMTP", SchemaValues.MailboxTypeType.Mailbox), u, null))
            .Concat((await session.Store.ListDistributionListsAsync(session.Cancellation))
                .Where(l => addressOnly ? l.Address.StartsWith(entry, StringComparison.OrdinalIgnoreCase) : Matches(entry, l.DisplayName, [], [l.Address]))
                .OrderBy(l => l.DisplayName, StringComparer.OrdinalIgnoreCase)
                .Select(l => new Resolution(new EmailAddress(l.DisplayName, l.Address, "SMTP", SchemaValues.MailboxTypeType.PublicDL), null, null)))
            .ToList();
    }

    private static async Task<IEnumerable<Resolution>> ContactsAsync(Session session, IReadOnlyList<FolderRef>? parents, string entry, bool addressOnly, IContactCards cards)
    {
        var found = new List<Resolution>();
        foreach (var reference in parents is { Count: > 0 } ? parents : [new FolderRef(null, "contacts", null)])
        {
            var folder = await session.ResolveFolderAsync(reference);
            foreach (var item in await session.Store.GetItemsAsync(folder.Id, session.Cancellation))
            {
                if (item.Kind is not (ItemKind.Contact or ItemKind.DistributionList) || cards.Read(item) is not { } card)
                {
                    continue;
                }

                var matches = addressOnly
                    ? card.Addresses.Any(a => a.StartsWith(entry, StringComparison.OrdinalIgnoreCase))
                    : Matches(entry, card.DisplayName, card.Names, card.Addresses);
                if (!matches)
                {
                    continue;
                }

                var address = card.Addresses.FirstOrDefault(a => a.Equals(entry, StringComparison.OrdinalIgnoreCase))
                    ?? card.Addresses.FirstOrDefault(a => a.StartsWith(entry, StringComparison.OrdinalIgnoreCase))
                    ?? card.Addresses.FirstOrDefault()
                    ?? "";
                var type = card.IsList ? SchemaValues.MailboxTypeType.PrivateDL : SchemaValues.MailboxTypeType.Contact;
                found.Add(new Resolution(new EmailAddress(card.DisplayName, address, card.IsList ? null : "SMTP", type), null, item));
            }
        }

        return found.OrderBy(r => r.Mailbox.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Ambiguous name resolution: <paramref name="entry"/> begins the display name, a word of it or another name, begins
    /// the local part of an address (its alias), or is a whole address.
    /// </summary>
    public static bool Matches(string entry, string displayName, IReadOnlyList<string> names, IReadOnlyList<string> addresses)
    {
        bool Begins(string? text) => text is { Length: > 0 } && text.StartsWith(entry, StringComparison.OrdinalIgnoreCase);

        return Begins(displayName)
            || displayName.Split([' ', ',', '.', '-', '(', ')'], StringSplitOptions.RemoveEmptyEntries).Any(Begins)
            || names.Any(Begins)
            || addresses.Any(a => a.Equals(entry, StringComparison.OrdinalIgnoreCase) || (a.IndexOf('@', StringComparison.Ordinal) is var at and > 0 && Begins(a[..at])));
    }
}

/// <summary>The out-of-office a mail tip tells: the reply this sender would get ("" when none), and its window when scheduled.</summary>
public sealed record OofTip(string Message, DateTime? Start, DateTime? End);

/// <summary>
/// One recipient's mail tips (MailTips), each null when not asked for or not known: the recipient as resolved here,
/// its out-of-office, whether its mailbox is full, its member counts (a list's members, or 1), the largest message
/// it takes, and whether it is invalid (an address of this server's domains that no one has).
/// </summary>
public sealed record MailTip(EmailAddress Recipient)
{
    public OofTip? OutOfOffice { get; init; }

    public bool? MailboxFull { get; init; }

    public int? TotalMemberCount { get; init; }

    public int? ExternalMemberCount { get; init; }

    public int? MaxMessageSize { get; init; }

    public bool? DeliveryRestricted { get; init; }

    public bool? IsModerated { get; init; }

    public bool? InvalidRecipient { get; init; }
}

/// <summary>GetMailTips (issue 17 §4): what a client shows before a message is sent, for each recipient, in order.</summary>
public static class MailTipsService
{
    /// <summary>The tips asked for (MailTipTypes values, "All" for all) of each recipient address.</summary>
    public static async Task<IReadOnlyList<MailTip>> GetAsync(Session session, IReadOnlyList<string> recipients, IReadOnlySet<string> requested)
    {
        if (recipients.Count > SetupService.MaxMailTipsRecipients)
        {
            throw new RequestFailedException(ErrorCode.InvalidRequest, $"A GetMailTips asks about at most {SetupService.MaxMailTipsRecipients} recipients.");
        }

        bool Wants(string tip) => requested.Contains("All") || requested.Contains(tip);
        var domains = await SetupService.InternalDomainsAsync(session);
        bool IsInternal(string address) => domains.Contains(SetupService.Domain(address), StringComparer.OrdinalIgnoreCase);
        var maxSize = (int)Math.Min(int.MaxValue, session.Attachments.MaxAttachmentBytes);
        var tips = new List<MailTip>();
        foreach (var address in recipients.Select(r => r.Trim()))
        {
            var user = await session.Store.FindUserAsync(address, session.Cancellation);
            var list = user is null ? await session.Store.FindDistributionListAsync(address, session.Cancellation) : null;
            var internalAddress = IsInternal(address);
            var recipient = user is not null ? new EmailAddress(user.DisplayName, user.Address, "SMTP", SchemaValues.MailboxTypeType.Mailbox)
                : list is not null ? new EmailAddress(list.DisplayName, list.Address, "SMTP", SchemaValues.MailboxTypeType.PublicDL)
                : new EmailAddress(null, address, "SMTP", SchemaValues.MailboxTypeType.OneOff);
            var invalid = user is null && list is null && internalAddress;
            OofTip? oof = null;
            if (Wants("OutOfOfficeMessage") && user is not null)
            {
                oof = await OofService.TipAsync(session, user, IsInternal(session.Address));
            }

            tips.Add(new MailTip(recipient)
            {
                OutOfOffice = oof,
                MailboxFull = Wants("MailboxFullStatus") && user is not null ? false : null,
                TotalMemberCount = Wants("TotalMemberCount") && !invalid ? list?.Members.Count ?? 1 : null,
                ExternalMemberCount = Wants("ExternalMemberCount") && !invalid ? list?.Members.Count(m => !IsInternal(m)) ?? (internalAddress ? 0 : 1) : null,
                MaxMessageSize = Wants("MaxMessageSize") && !invalid ? maxSize : null,
                DeliveryRestricted = Wants("DeliveryRestriction") && !invalid ? false : null,
                IsModerated = Wants("ModerationStatus") && !invalid ? false : null,
                InvalidRecipient = Wants("InvalidRecipient") ? invalid : null,
            });
        }

        return tips;
    }
}
