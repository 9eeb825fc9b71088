using Npgsql;
using Rendezvous.Domain;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// Folder permission sets (issue 18, migration 2's table), as <see cref="SqliteMailStore"/> keeps them: one row per folder
/// and grantee, a grantee being a user's mailbox id, <see cref="SharingRows.DefaultGrantee"/> or <see cref="SharingRows.AnonymousGrantee"/>. A
/// folder without rows keeps Exchange's defaults (<see cref="FolderPermissions.Defaults"/>). The rows go with their folder
/// (the foreign key); a removed user's rows stay, unread (the join below drops them).
/// </summary>
public sealed partial class PostgresMailStore
{
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
            SELECT p.folder_id, p.grantee, u.address, u.display_name, {SharingRows.PermissionColumns}
            FROM folder_permissions p LEFT JOIN users u ON u.mailbox_id = p.grantee
            WHERE p.folder_id = ANY(@f)
            ORDER BY p.folder_id, CASE p.grantee WHEN '{SharingRows.DefaultGrantee}' THEN 0 WHEN '{SharingRows.AnonymousGrantee}' THEN 1 ELSE 2 END, lower(u.address) COLLATE "C";
            """, null, ("f", folderIds.ToArray()));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        await SharingRows.ReadPermissionSetsAsync(reader, sets, cancellationToken);
        return sets;
    }

    public async Task<FolderRights?> GetRightsAsync(string folderId, string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command($"""
            SELECT {SharingRows.PermissionColumns} FROM folder_permissions
            WHERE folder_id = @f AND grantee IN (@m, '{SharingRows.DefaultGrantee}')
            ORDER BY CASE grantee WHEN '{SharingRows.DefaultGrantee}' THEN 1 ELSE 0 END
            LIMIT 1;
            """, null, ("f", folderId), ("m", mailboxId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SharingRows.ReadRights(reader, 0) : null;
    }

    /// <summary>
    /// Replaces each named folder's permission set (inside <see cref="ApplyAsync"/>'s transaction, after its folder
    /// inserts). The folder's row is locked first, so that two nodes replacing one set at once replace it one after the
    /// other (READ COMMITTED: without it the later write's DELETE would miss the earlier one's rows and leave a mix).
    /// </summary>
    /// <remarks>
    /// Each set the change set expects (<see cref="ChangeSet.PermissionChecks"/>) is read after its folder's row is
    /// locked, so another node's write to it has committed or waits for this one.
    /// </remarks>
    private static async Task WritePermissionsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var (folderId, expected) in changes.PermissionChecks)
        {
            await using (var lockFolder = connection.Command("SELECT 1 FROM folders WHERE id = @f FOR NO KEY UPDATE;", tx, ("f", folderId)))
            {
                await lockFolder.ExecuteNonQueryAsync(cancellationToken);
            }

            var sets = new Dictionary<string, IReadOnlyList<PermissionEntry>>(StringComparer.Ordinal);
            await using (var read = connection.Command($"""
                SELECT p.folder_id, p.grantee, u.address, u.display_name, {SharingRows.PermissionColumns}
                FROM folder_permissions p LEFT JOIN users u ON u.mailbox_id = p.grantee WHERE p.folder_id = @f;
                """, tx, ("f", folderId)))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                await SharingRows.ReadPermissionSetsAsync(reader, sets, cancellationToken);
            }

            if (!SharingRows.SameSet(sets.GetValueOrDefault(folderId), expected))
            {
                throw new ConcurrencyException(folderId);
            }
        }

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
                var grantee = SharingRows.GranteeKey(entry);
                await using var cmd = connection.Command($"""
                    INSERT INTO folder_permissions (folder_id, grantee, {SharingRows.PermissionColumns}) VALUES (@f, @g, @ci, @cs, @o, @v, @c, @e, @d, @r)
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

}
