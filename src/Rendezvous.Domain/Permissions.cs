namespace Rendezvous.Domain;

/// <summary>Which items an edit or delete right covers (PermissionActionType).</summary>
public enum ItemScope
{
    None,

    /// <summary>The items the grantee created in the folder.</summary>
    Owned,

    All,
}

/// <summary>What of the folder's items the grantee may read (CalendarPermissionReadAccessType; folders other than calendars have None and FullDetails only).</summary>
public enum ReadAccess
{
    None,

    /// <summary>A calendar's free/busy times only.</summary>
    TimeOnly,

    /// <summary>A calendar's free/busy times with each event's subject and location.</summary>
    TimeAndSubjectAndLocation,

    FullDetails,
}

/// <summary>The permission levels of PermissionLevelType and CalendarPermissionLevelType (the last two: calendars only).</summary>
public enum PermissionLevel
{
    None,
    Owner,
    PublishingEditor,
    Editor,
    PublishingAuthor,
    Author,
    NoneditingAuthor,
    Reviewer,
    Contributor,

    /// <summary>Rights that match no level: never given by a client, only answered.</summary>
    Custom,
    FreeBusyTimeOnly,
    FreeBusyTimeAndSubjectAndLocation,
}

/// <summary>The individual rights of one permission entry on a folder.</summary>
public sealed record FolderRights(
    bool CanCreateItems,
    bool CanCreateSubFolders,
    bool IsFolderOwner,
    bool IsFolderVisible,
    bool IsFolderContact,
    ItemScope EditItems,
    ItemScope DeleteItems,
    ReadAccess ReadItems)
{
    public static readonly FolderRights None = new(false, false, false, false, false, ItemScope.None, ItemScope.None, ReadAccess.None);

    // Exchange's table ("Set folder permissions for another user by using EWS", table 2), in the order levels are matched.
    private static readonly (PermissionLevel Level, FolderRights Rights)[] Levels =
    [
        (PermissionLevel.None, None),
        (PermissionLevel.Owner, new(true, true, true, true, true, ItemScope.All, ItemScope.All, ReadAccess.FullDetails)),
        (PermissionLevel.PublishingEditor, new(true, true, false, true, false, ItemScope.All, ItemScope.All, ReadAccess.FullDetails)),
        (PermissionLevel.Editor, new(true, false, false, true, false, ItemScope.All, ItemScope.All, ReadAccess.FullDetails)),
        (PermissionLevel.PublishingAuthor, new(true, true, false, true, false, ItemScope.Owned, ItemScope.Owned, ReadAccess.FullDetails)),
        (PermissionLevel.Author, new(true, false, false, true, false, ItemScope.Owned, ItemScope.Owned, ReadAccess.FullDetails)),
        (PermissionLevel.NoneditingAuthor, new(true, false, false, true, false, ItemScope.None, ItemScope.Owned, ReadAccess.FullDetails)),
        (PermissionLevel.Reviewer, new(false, false, false, true, false, ItemScope.None, ItemScope.None, ReadAccess.FullDetails)),
        (PermissionLevel.Contributor, new(true, false, false, true, false, ItemScope.None, ItemScope.None, ReadAccess.None)),
        (PermissionLevel.FreeBusyTimeOnly, None with { ReadItems = ReadAccess.TimeOnly }),
        (PermissionLevel.FreeBusyTimeAndSubjectAndLocation, None with { ReadItems = ReadAccess.TimeAndSubjectAndLocation }),
    ];

    /// <summary>The rights a level stands for (Custom has none of its own: its rights are given one by one).</summary>
    public static FolderRights Of(PermissionLevel level) =>
        level == PermissionLevel.Custom ? None : Levels.First(l => l.Level == level).Rights;

    /// <summary>The level these rights are, else Custom; the free/busy levels only on a calendar.</summary>
    public PermissionLevel LevelOn(bool calendar)
    {
        foreach (var (level, rights) in Levels)
        {
            if (rights == this && (calendar || level is not (PermissionLevel.FreeBusyTimeOnly or PermissionLevel.FreeBusyTimeAndSubjectAndLocation)))
            {
                return level;
            }
        }

        return PermissionLevel.Custom;
    }

    /// <summary>
    /// Whether the entry opens the folder to its grantee at all: without it the folder is, to them, as if it did not exist
    /// (free/busy, which a calendar's TimeOnly gives, is read through availability, never through the folder).
    /// </summary>
    public bool OpensFolder =>
        IsFolderVisible || IsFolderOwner || CanCreateItems || CanCreateSubFolders || ReadItems == ReadAccess.FullDetails
        || EditItems != ItemScope.None || DeleteItems != ItemScope.None;
}

/// <summary>Who a permission entry is for.</summary>
public enum GranteeKind
{
    /// <summary>A user of the server, by mailbox.</summary>
    User,

    /// <summary>Every signed-in user without an entry of their own.</summary>
    Default,

    /// <summary>Users from outside the organization (none sign in here: kept and answered, never granting).</summary>
    Anonymous,
}

/// <summary>A permission entry's grantee: a user (mailbox id, with the address and name answered on the wire), Default or Anonymous.</summary>
public sealed record Grantee(GranteeKind Kind, string? MailboxId = null, string? Address = null, string? DisplayName = null)
{
    public static readonly Grantee Default = new(GranteeKind.Default);

    public static readonly Grantee Anonymous = new(GranteeKind.Anonymous);

    public static Grantee User(string mailboxId, string address, string displayName) => new(GranteeKind.User, mailboxId, address, displayName);

    /// <summary>Whether two grantees are the same one (a user by mailbox, whatever address or name was given).</summary>
    public bool SameAs(Grantee other) => Kind == other.Kind && (Kind != GranteeKind.User || string.Equals(MailboxId, other.MailboxId, StringComparison.Ordinal));
}

/// <summary>One entry of a folder's permission set.</summary>
public sealed record PermissionEntry(Grantee Grantee, FolderRights Rights);

/// <summary>Folder permission sets as Exchange keeps them: pure functions over entries.</summary>
public static class FolderPermissions
{
    /// <summary>
    /// What a folder has before its owner changes anything (and what the store answers for a folder it holds no entries
    /// of): Default None, on a calendar FreeBusyTimeOnly (so colleagues see free/busy times), and Anonymous None.
    /// </summary>
    public static IReadOnlyList<PermissionEntry> Defaults(bool calendar) =>
    [
        new(Grantee.Default, calendar ? FolderRights.Of(PermissionLevel.FreeBusyTimeOnly) : FolderRights.None),
        new(Grantee.Anonymous, FolderRights.None),
    ];

    /// <summary>
    /// A set as a client gave it, completed: without a Default or Anonymous entry, those get None (Exchange replaces the
    /// whole set with what was sent). Null when a grantee is named twice (ErrorDuplicateUserIdsSpecified).
    /// </summary>
    public static IReadOnlyList<PermissionEntry>? Complete(IReadOnlyList<PermissionEntry> given)
    {
        for (var i = 0; i < given.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (given[i].Grantee.SameAs(given[j].Grantee))
                {
                    return null;
                }
            }
        }

        var entries = new List<PermissionEntry>();
        entries.Add(given.FirstOrDefault(e => e.Grantee.Kind == GranteeKind.Default) ?? new(Grantee.Default, FolderRights.None));
        entries.Add(given.FirstOrDefault(e => e.Grantee.Kind == GranteeKind.Anonymous) ?? new(Grantee.Anonymous, FolderRights.None));
        entries.AddRange(given.Where(e => e.Grantee.Kind == GranteeKind.User));
        return entries;
    }

    /// <summary>
    /// The rights of <paramref name="mailboxId"/> (not the folder's owner) from a folder's entries: their own entry, else
    /// Default's, else none.
    /// </summary>
    public static FolderRights Effective(IEnumerable<PermissionEntry> entries, string mailboxId)
    {
        FolderRights? byDefault = null;
        foreach (var entry in entries)
        {
            if (entry.Grantee.Kind == GranteeKind.User && string.Equals(entry.Grantee.MailboxId, mailboxId, StringComparison.Ordinal))
            {
                return entry.Rights;
            }

            if (entry.Grantee.Kind == GranteeKind.Default)
            {
                byDefault = entry.Rights;
            }
        }

        return byDefault ?? FolderRights.None;
    }
}
