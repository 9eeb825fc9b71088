using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// A delegate's levels on the principal's six folders (<see cref="DelegateFolders"/>): the delegate's own entries in
/// those folders' permission sets, as Exchange keeps them (issue 18 §1), read and written as DelegateFolderPermissionLevel
/// values. Rights that are none of None, Reviewer, Author and Editor read as Custom.
/// </summary>
public static class DelegateFolderLevels
{
    /// <summary>The delegate's level on each of the principal's six folders (a folder the mailbox lacks: None).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> GetAsync(Session session, string principalMailboxId, UserRecord delegateUser)
    {
        var levels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in DelegateFolders.All)
        {
            var level = SchemaValues.DelegateFolderPermissionLevelType.None;
            if (await session.Store.GetDistinguishedFolderAsync(principalMailboxId, name, session.Cancellation) is { } folder
                && (await session.Store.GetPermissionsAsync(folder.Id, session.Cancellation))?.FirstOrDefault(e => IsOf(e, delegateUser)) is { } entry)
            {
                level = LevelOf(entry.Rights, name == DelegateFolders.Calendar);
            }

            levels[name] = level;
        }

        return levels;
    }

    /// <summary>
    /// Adds to <paramref name="changes"/> the delegate's level on the folders named: its entry replaced (None: removed),
    /// the folders' other entries kept; the caller applies the set with the delegate's row and grant, as one write.
    /// </summary>
    public static async Task AddToAsync(ChangeSet changes, Session session, string principalMailboxId, UserRecord delegateUser, IReadOnlyDictionary<string, string> levels)
    {
        var grantee = Grantee.User(delegateUser.MailboxId, delegateUser.Address, delegateUser.DisplayName);
        foreach (var (name, level) in levels)
        {
            if (await session.Store.GetDistinguishedFolderAsync(principalMailboxId, name, session.Cancellation) is not { } folder)
            {
                continue;
            }

            var entries = (await session.Store.GetPermissionsAsync(folder.Id, session.Cancellation) ?? FolderPermissions.Defaults(name == DelegateFolders.Calendar)).ToList();
            var had = entries.RemoveAll(e => IsOf(e, delegateUser)) > 0;
            if (level != SchemaValues.DelegateFolderPermissionLevelType.None)
            {
                entries.Add(new PermissionEntry(grantee, FolderRights.Of(Enum.Parse<PermissionLevel>(level))));
            }
            else if (!had)
            {
                continue;
            }

            changes.Permissions.Add((folder.Id, FolderPermissions.Complete(entries)!));
        }
    }

    private static bool IsOf(PermissionEntry entry, UserRecord user) =>
        entry.Grantee.Kind == GranteeKind.User && string.Equals(entry.Grantee.MailboxId, user.MailboxId, StringComparison.Ordinal);

    private static string LevelOf(FolderRights rights, bool calendar) => rights.LevelOn(calendar) switch
    {
        PermissionLevel.None => SchemaValues.DelegateFolderPermissionLevelType.None,
        PermissionLevel.Reviewer => SchemaValues.DelegateFolderPermissionLevelType.Reviewer,
        PermissionLevel.Author => SchemaValues.DelegateFolderPermissionLevelType.Author,
        PermissionLevel.Editor => SchemaValues.DelegateFolderPermissionLevelType.Editor,
        _ => SchemaValues.DelegateFolderPermissionLevelType.Custom,
    };
}
