using System.Data.Common;
using Rendezvous.Domain;

namespace Rendezvous.Store;

/// <summary>
/// How both stores keep folder permissions and grants in their rows (issue 18): the keys, the columns and the mapping
/// between rows and domain values. The SQL stays with each store (its parameters and locks differ); this is what is
/// the same in both, over <see cref="DbDataReader"/>.
/// </summary>
internal static class SharingRows
{
    /// <summary>The grantee key of a permission set's Default entry.</summary>
    public const string DefaultGrantee = "~default";

    /// <summary>The grantee key of a permission set's Anonymous entry.</summary>
    public const string AnonymousGrantee = "~anonymous";

    /// <summary>The rights' columns, in the order <see cref="ReadRights"/> reads them.</summary>
    public const string PermissionColumns = "can_create_items, can_create_subfolders, is_folder_owner, is_folder_visible, is_folder_contact, edit_items, delete_items, read_items";

    /// <summary>How "every mailbox" is kept in a grant: a key column cannot hold NULL and stay unique.</summary>
    public const string EveryMailbox = "*";

    /// <summary>The grantee column's value for an entry.</summary>
    public static string GranteeKey(PermissionEntry entry) => entry.Grantee.Kind switch
    {
        GranteeKind.Default => DefaultGrantee,
        GranteeKind.Anonymous => AnonymousGrantee,
        _ => entry.Grantee.MailboxId ?? throw new InvalidOperationException("A user's permission entry names no mailbox."),
    };

    /// <summary>
    /// The entry's grantee from its key and, at <paramref name="first"/> and the next column, the user's address and
    /// display name (a LEFT JOIN on users); null for a user who is gone.
    /// </summary>
    public static Grantee? ReadGrantee(DbDataReader reader, int key, int first) => reader.GetString(key) switch
    {
        DefaultGrantee => Grantee.Default,
        AnonymousGrantee => Grantee.Anonymous,
        _ when reader.IsDBNull(first) => null,
        var mailboxId => Grantee.User(mailboxId, reader.GetString(first), reader.GetString(first + 1)),
    };

    /// <summary>
    /// Reads rows of (folder id, grantee key, address, display name, <see cref="PermissionColumns"/>) into
    /// <paramref name="sets"/>, in the rows' order.
    /// </summary>
    public static async Task ReadPermissionSetsAsync(DbDataReader reader, Dictionary<string, IReadOnlyList<PermissionEntry>> sets, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken))
        {
            if (ReadGrantee(reader, 1, 2) is { } grantee)
            {
                var folderId = reader.GetString(0);
                if (!sets.TryGetValue(folderId, out var entries))
                {
                    sets[folderId] = entries = new List<PermissionEntry>();
                }

                ((List<PermissionEntry>)entries).Add(new PermissionEntry(grantee, ReadRights(reader, 4)));
            }
        }
    }

    /// <summary>Whether two permission sets as read (null: never set) hold the same grantees with the same rights, in any order.</summary>
    public static bool SameSet(IReadOnlyList<PermissionEntry>? a, IReadOnlyList<PermissionEntry>? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        var left = a.Select(e => (GranteeKey(e), e.Rights)).ToHashSet();
        return a.Count == b.Count && left.Count == a.Count && b.All(e => left.Contains((GranteeKey(e), e.Rights)));
    }

    /// <summary>The rights of <see cref="PermissionColumns"/> from <paramref name="first"/> on (flags: SQLite's 0/1 or PostgreSQL's boolean alike).</summary>
    public static FolderRights ReadRights(DbDataReader reader, int first) => new(
        reader.GetBoolean(first),
        reader.GetBoolean(first + 1),
        reader.GetBoolean(first + 2),
        reader.GetBoolean(first + 3),
        reader.GetBoolean(first + 4),
        (ItemScope)reader.GetInt32(first + 5),
        (ItemScope)reader.GetInt32(first + 6),
        (ReadAccess)reader.GetInt32(first + 7));

    /// <summary>The kind column's value.</summary>
    public static string KindName(GrantKind kind) => kind switch
    {
        GrantKind.Impersonation => "impersonation",
        GrantKind.SendAs => "send-as",
        GrantKind.SendOnBehalf => "send-on-behalf",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The kind a column names; null for a kind of a later version (ignored, never widened).</summary>
    public static GrantKind? KindOf(string name) => name switch
    {
        "impersonation" => GrantKind.Impersonation,
        "send-as" => GrantKind.SendAs,
        "send-on-behalf" => GrantKind.SendOnBehalf,
        _ => null,
    };

    /// <summary>Only impersonation is granted over every mailbox.</summary>
    public static void CheckGrant(GrantKind kind, string? principalMailboxId)
    {
        if (principalMailboxId is null && kind != GrantKind.Impersonation)
        {
            throw new ArgumentException("Only impersonation is granted over every mailbox; sending as someone names them.", nameof(principalMailboxId));
        }
    }
}
