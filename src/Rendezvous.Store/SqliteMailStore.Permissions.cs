using Microsoft.Data.Sqlite;
using Rendezvous.Domain;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store;

/// <summary>
/// Folder permission sets (issue 18, migration 15's table): one row per folder and grantee. A grantee is a user's
/// mailbox id, or <see cref="SharingRows.DefaultGrantee"/> / <see cref="SharingRows.AnonymousGrantee"/>.
/// A folder without rows keeps Exchange's defaults, which the domain gives (<see cref="FolderPermissions.Defaults"/>); a written set always has a Default row.
/// The rows go with their folder (the foreign key); a removed user's rows stay, unread (the join below drops them).
/// </summary>
public sealed partial class SqliteMailStore
{
    private static readonly PermissionSql Permissions = new(SqliteDialect.Instance);

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
        return await Permissions.GetRightsAsync(connection.Connection, folderId, mailboxId, cancellationToken);
    }

    /// <summary>Replaces each named folder's permission set (inside <see cref="ApplyAsync"/>'s transaction): <see cref="PermissionSql.WriteAsync"/>.</summary>
    private static Task WritePermissionsAsync(PooledConnection connection, SqliteTransaction tx, ChangeSet changes, CancellationToken cancellationToken) =>
        Permissions.WriteAsync(connection.Connection, tx, changes, cancellationToken);

}
