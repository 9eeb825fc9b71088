using System.Data.Common;
using Rendezvous.Domain;

namespace Rendezvous.Store.Sql;

/// <summary>
/// A change set's attachment rows, as both stores write them; adding one new attachment (SQLite's blob written in
/// place, PostgreSQL's bytes streamed as a parameter) stays each store's.
/// </summary>
internal sealed class AttachmentSql(SqlDialect sql)
{
    private const string Repoint = "UPDATE attachments SET item_id = @to, mailbox_id = @m WHERE item_id = @from;";

    private const string Copy =
        "INSERT INTO attachments (item_id, id, mailbox_id, parent_id, header, content) SELECT @to, id, @m, parent_id, header, content FROM attachments WHERE item_id = @from;";

    private const string Replace = "DELETE FROM attachments WHERE item_id = @to;\n" + Copy;

    // The CAST types the recursion's seed for PostgreSQL.
    private const string RemoveTree =
        """
        WITH RECURSIVE tree(id) AS (SELECT CAST(@a AS text) UNION SELECT a.id FROM attachments a JOIN tree t ON a.item_id = @i AND a.parent_id = t.id)
        DELETE FROM attachments WHERE item_id = @i AND id IN (SELECT id FROM tree);
        """;

    /// <summary>
    /// The attachment rows of a change set, before its deletions: the items copied or moved (their sources' rows copied,
    /// or re-pointed for a move), then the set's own attachment writes in order, <paramref name="add"/> writing each new one.
    /// </summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction tx, ChangeSet changes, HashSet<string> deleted,
        Func<DbConnection, DbTransaction, AttachmentAdd, CancellationToken, Task> add, CancellationToken cancellationToken)
    {
        var repointed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in changes.Inserts)
        {
            if (item.Attachments is null || changes.Sources.GetValueOrDefault(item.Id) is not { } source)
            {
                continue;
            }

            // A move keeps the rows (the first copy of a deleted source takes them); a copy duplicates them, so that each
            // item owns its rows and deleting one never touches the other's (sharing would need a reference count).
            var move = deleted.Contains(source) && repointed.Add(source);
            await using var cmd = sql.Command(connection, tx, move ? Repoint : Copy, ("to", item.Id), ("m", item.MailboxId), ("from", source));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var write in changes.Attachments)
        {
            switch (write)
            {
                case AttachmentAdd attachment:
                    await add(connection, tx, attachment, cancellationToken);
                    break;
                case AttachmentCopy copy:
                {
                    await using var cmd = sql.Command(connection, tx, Replace, ("to", copy.To.Id), ("m", copy.To.MailboxId), ("from", copy.FromItemId));
                    await cmd.ExecuteNonQueryAsync(cancellationToken);
                    break;
                }

                case AttachmentRemove remove:
                {
                    await using var cmd = sql.Command(connection, tx, RemoveTree, ("i", remove.ItemId), ("a", remove.AttachmentId));
                    await cmd.ExecuteNonQueryAsync(cancellationToken);
                    break;
                }

                default:
                    throw new ArgumentOutOfRangeException(nameof(changes), write, "Unknown attachment write.");
            }
        }
    }
}
