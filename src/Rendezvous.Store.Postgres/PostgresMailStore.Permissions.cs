using Npgsql;
using Rendezvous.Domain;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// Folder permission sets (issue 18, migration 2's table), as <see cref="SqliteMailStore"/> keeps them: one row per folder
/// and grantee, a grantee being a user's mailbox id, <see cref="DefaultGrantee"/> or <see cref="AnonymousGrantee"/>. A
/// folder without rows keeps Exchange's defaults (<see cref="FolderPermissions.Defaults"/>). The rows go with their folder
/// (the foreign key); a removed user's rows stay, unread (the join below drops them).
/// </summary>
public sealed partial class PostgresMailStore
{
    private const string DefaultGrantee = "~default";
    private const string AnonymousGrantee = "~anonymous";

    private const string PermissionColumns = "can_create_items, can_create_subfolders, is_folder_owner, is_folder_visible, is_folder_contact, edit_items, delete_items, read_items";

    public async Task<IReadOnlyList<PermissionEntry>?> GetPermissionsAsync(string folderId, CancellationToken cancellationToken) =>
        (await GetPermissionsAsync([folderId], cancellationToken)).GetValueOrDefault(folderId);

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<PermissionEntry>>> GetPermissionsAsync(IReadOnlyCollection<string> folderIds, CancellationToken cancellationToken)
    {
        var sets = new Dictionary<string, IReadOnlyList<PermissionEntry>>(StringComparer.Ordinal);
        if (folderIds.Count == 0)
        {
            return sets;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Users by address as SQLite orders them (its NOCASE column): lower() in bytewise order.
        await using var cmd = connection.Command($"""
            SELECT p.folder_id, p.grantee, u.address, u.display_name, {PermissionColumns}
            FROM folder_permissions p LEFT JOIN users u ON u.mailbox_id = p.grantee
            WHERE p.folder_id = ANY(@f)
            ORDER BY p.folder_id, CASE p.grantee WHEN '{DefaultGrantee}' THEN 0 WHEN '{AnonymousGrantee}' THEN 1 ELSE 2 END, lower(u.address) COLLATE "C";
            """, null, ("f", folderIds.ToArray()));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var grantee = reader.GetString(1) switch
            {
                DefaultGrantee => Grantee.Default,
                AnonymousGrantee => Grantee.Anonymous,
                _ when reader.IsDBNull(2) => null,
                var mailboxId => Grantee.User(mailboxId, reader.GetString(2), reader.GetString(3)),
            };
            if (grantee is not null)
            {
                var folderId = reader.GetString(0);
                if (!sets.TryGetValue(folderId, out var entries))
                {
                    sets[folderId] = entries = new List<PermissionEntry>();
                }

                ((List<PermissionEntry>)entries).Add(new PermissionEntry(grantee, ReadRights(reader, 4)));
            }
        }

        return sets;
    }

    public async Task<FolderRights?> GetRightsAsync(string folderId, string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command($"""
            SELECT {PermissionColumns} FROM folder_permissions
            WHERE folder_id = @f AND grantee IN (@m, '{DefaultGrantee}')
            ORDER BY CASE grantee WHEN '{DefaultGrantee}' THEN 1 ELSE 0 END
            LIMIT 1;
            """, null, ("f", folderId), ("m", mailboxId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRights(reader, 0) : null;
    }

    /// <summary>
    /// Replaces each named folder's permission set (inside <see cref="ApplyAsync"/>'s transaction, after its folder
    /// inserts). The folder's row is locked first, so that two nodes replacing one set at once replace it one after the
    /// other (READ COMMITTED: without it the later write's DELETE would miss the earlier one's rows and leave a mix).
    /// </summary>
    private static async Task WritePermissionsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var (folderId, entries) in changes.Permissions)
        {
            await using (var clear = connection.Command(
                "SELECT 1 FROM folders WHERE id = @f FOR NO KEY UPDATE; DELETE FROM folder_permissions WHERE folder_id = @f;", tx, ("f", folderId)))
            {
                await clear.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var entry in entries)
            {
                var r = entry.Rights;
                var grantee = entry.Grantee.Kind switch
                {
                    GranteeKind.Default => DefaultGrantee,
                    GranteeKind.Anonymous => AnonymousGrantee,
                    _ => entry.Grantee.MailboxId ?? throw new InvalidOperationException("A user's permission entry names no mailbox."),
                };
                await using var cmd = connection.Command($"""
                    INSERT INTO folder_permissions (folder_id, grantee, {PermissionColumns}) VALUES (@f, @g, @ci, @cs, @o, @v, @c, @e, @d, @r)
                    ON CONFLICT (folder_id, grantee) DO UPDATE SET can_create_items = excluded.can_create_items, can_create_subfolders = excluded.can_create_subfolders,
                        is_folder_owner = excluded.is_folder_owner, is_folder_visible = excluded.is_folder_visible, is_folder_contact = excluded.is_folder_contact,
                        edit_items = excluded.edit_items, delete_items = excluded.delete_items, read_items = excluded.read_items;
                    """, tx,
                    ("f", folderId), ("g", grantee), ("ci", r.CanCreateItems), ("cs", r.CanCreateSubFolders), ("o", r.IsFolderOwner),
                    ("v", r.IsFolderVisible), ("c", r.IsFolderContact), ("e", (int)r.EditItems), ("d", (int)r.DeleteItems), ("r", (int)r.ReadItems));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private static FolderRights ReadRights(NpgsqlDataReader reader, int first) => new(
        reader.GetBoolean(first),
        reader.GetBoolean(first + 1),
        reader.GetBoolean(first + 2),
        reader.GetBoolean(first + 3),
        reader.GetBoolean(first + 4),
        (ItemScope)reader.GetInt32(first + 5),
        (ItemScope)reader.GetInt32(first + 6),
        (ReadAccess)reader.GetInt32(first + 7));
}
