using Microsoft.Data.Sqlite;
using Rendezvous.Domain;

namespace Rendezvous.Store;

/// <summary>
/// Folder permission sets (issue 18, migration 15's table): one row per folder and grantee. A grantee is a user's
/// mailbox id, or <see cref="SharingRows.DefaultGrantee"/> / <see cref="SharingRows.AnonymousGrantee"/>.
/// A folder without rows keeps Exchange's defaults, which the domain gives (<see cref="FolderPermissions.Defaults"/>); a written set always has a Default row.
/// The rows go with their folder (the foreign key); a removed user's rows stay, unread (the join below drops them).
/// </summary>
public sealed partial class SqliteMailStore
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

        var names = folderIds.Select((_, i) => "$f" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = connection.Command($"""
            SELECT p.folder_id, p.grantee, u.address, u.display_name, {SharingRows.PermissionColumns}
            FROM folder_permissions p LEFT JOIN users u ON u.mailbox_id = p.grantee
            WHERE p.folder_id IN ({string.Join(", ", names)})
            ORDER BY p.folder_id, CASE p.grantee WHEN '{SharingRows.DefaultGrantee}' THEN 0 WHEN '{SharingRows.AnonymousGrantee}' THEN 1 ELSE 2 END, u.address;
            """, null, [.. folderIds.Select((id, i) => (names[i], (object?)id))]);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        await SharingRows.ReadPermissionSetsAsync(reader, sets, cancellationToken);
        return sets;
    }

    public async Task<FolderRights?> GetRightsAsync(string folderId, string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = connection.Command($"""
            SELECT {SharingRows.PermissionColumns} FROM folder_permissions
            WHERE folder_id = $f AND grantee IN ($m, '{SharingRows.DefaultGrantee}')
            ORDER BY CASE grantee WHEN '{SharingRows.DefaultGrantee}' THEN 1 ELSE 0 END
            LIMIT 1;
            """, null, ("$f", folderId), ("$m", mailboxId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SharingRows.ReadRights(reader, 0) : null;
    }

    /// <summary>
    /// Replaces each named folder's permission set (inside <see cref="ApplyAsync"/>'s transaction), after checking that
    /// each set the change set expects (<see cref="ChangeSet.PermissionChecks"/>) is still the stored one.
    /// </summary>
    private static async Task WritePermissionsAsync(PooledConnection connection, SqliteTransaction tx, ChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var (folderId, expected) in changes.PermissionChecks)
        {
            var sets = new Dictionary<string, IReadOnlyList<PermissionEntry>>(StringComparer.Ordinal);
            await using (var read = connection.Command($"""
                SELECT p.folder_id, p.grantee, u.address, u.display_name, {SharingRows.PermissionColumns}
                FROM folder_permissions p LEFT JOIN users u ON u.mailbox_id = p.grantee WHERE p.folder_id = $f;
                """, tx, ("$f", folderId)))
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
            await using (var clear = connection.Command("DELETE FROM folder_permissions WHERE folder_id = $f;", tx, ("$f", folderId)))
            {
                await clear.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var entry in entries)
            {
                var r = entry.Rights;
                var grantee = SharingRows.GranteeKey(entry);
                await using var cmd = connection.Command($"""
                    INSERT INTO folder_permissions (folder_id, grantee, {SharingRows.PermissionColumns}) VALUES ($f, $g, $ci, $cs, $o, $v, $c, $e, $d, $r)
                    ON CONFLICT (folder_id, grantee) DO UPDATE SET can_create_items = excluded.can_create_items, can_create_subfolders = excluded.can_create_subfolders,
                        is_folder_owner = excluded.is_folder_owner, is_folder_visible = excluded.is_folder_visible, is_folder_contact = excluded.is_folder_contact,
                        edit_items = excluded.edit_items, delete_items = excluded.delete_items, read_items = excluded.read_items;
                    """, tx,
                    ("$f", folderId), ("$g", grantee), ("$ci", r.CanCreateItems ? 1 : 0), ("$cs", r.CanCreateSubFolders ? 1 : 0), ("$o", r.IsFolderOwner ? 1 : 0),
                    ("$v", r.IsFolderVisible ? 1 : 0), ("$c", r.IsFolderContact ? 1 : 0), ("$e", (int)r.EditItems), ("$d", (int)r.DeleteItems), ("$r", (int)r.ReadItems));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

}
