using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Rendezvous.Store;

/// <summary>A backup or a restore cannot be made; the message says why (for `rdv backup` and `rdv restore`).</summary>
public sealed class BackupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Backup and restore of the SQLite store through SQLite's online backup API, and the lock that tells a restore a
/// server holds the store.
/// <list type="bullet">
/// <item>A backup is one step of the backup API: it reads the whole database inside one read transaction, so it is a
/// consistent snapshot (every commit before it began, none after), and since the store is in WAL mode the server's
/// writes go on meanwhile. It is written to a temporary file beside the target and renamed, so a target is never half
/// written, and left in rollback-journal mode: one self-contained file.</item>
/// <item>A server holds a shared lock on <c>rendezvous.db.serving</c> while it runs (<see cref="HoldServing"/>); a
/// restore takes it exclusively and refuses while any server holds it. The OS drops the lock with the process, so a
/// killed server does not block a restore.</item>
/// <item>A restore first checks the file: a SQLite database with the store's tables, of a migration version this
/// build knows (an older one is migrated when the server next opens it; a newer one is refused).</item>
/// </list>
/// </summary>
public static class SqliteBackup
{
    private static readonly string[] StoreTables = ["users", "folders", "items", "mailbox_counters", "secrets"];

    /// <summary>Held by a running server over <paramref name="dataDirectory"/>; disposing it lets a restore in.</summary>
    public static IDisposable HoldServing(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        try
        {
            // FileShare.ReadWrite with read access: a shared lock (flock LOCK_SH on Unix), so several processes may serve.
            return new FileStream(LockPath(dataDirectory), FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException))
        {
            throw new BackupException($"{SqliteMailStore.PathIn(dataDirectory)} is being restored: start the server once the restore is done", e);
        }
    }

    /// <summary>Writes a consistent copy of the store in <paramref name="dataDirectory"/> to <paramref name="target"/>; returns its migration version.</summary>
    public static async Task<int> BackupAsync(string dataDirectory, string target, CancellationToken cancellationToken)
    {
        var source = SqliteMailStore.PathIn(dataDirectory);
        if (!File.Exists(source))
        {
            throw new BackupException($"no store at {source}");
        }

        target = Path.GetFullPath(target);
        if (string.Equals(target, source, StringComparison.Ordinal))
        {
            throw new BackupException("the backup cannot be the store itself");
        }

        var temporary = target + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var from = Open(source, SqliteOpenMode.ReadOnly))
            await using (var to = Open(temporary, SqliteOpenMode.ReadWriteCreate))
            {
                await from.OpenAsync(cancellationToken);
                await to.OpenAsync(cancellationToken);
                from.BackupDatabase(to);
                await ExecAsync(to, "PRAGMA journal_mode=DELETE;", cancellationToken);
            }

            var version = await CheckAsync(temporary, cancellationToken);
            File.Move(temporary, target, overwrite: true);
            return version;
        }
        catch (SqliteException e)
        {
            throw new BackupException($"cannot back up {source}: {e.Message}", e);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Replaces the store in <paramref name="dataDirectory"/> with the backup <paramref name="backup"/>, once it is
    /// checked and no server holds the store; returns the backup's migration version.
    /// </summary>
    public static async Task<int> RestoreAsync(string backup, string dataDirectory, CancellationToken cancellationToken)
    {
        backup = Path.GetFullPath(backup);
        if (!File.Exists(backup))
        {
            throw new BackupException($"no file {backup}");
        }

        var version = await CheckAsync(backup, cancellationToken);
        Directory.CreateDirectory(dataDirectory);
        FileStream exclusive;
        try
        {
            exclusive = new FileStream(LockPath(dataDirectory), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException))
        {
            throw new BackupException($"a running server holds {SqliteMailStore.PathIn(dataDirectory)}: stop it before restoring", e);
        }

        await using (exclusive)
        {
            try
            {
                await using var from = Open(backup, SqliteOpenMode.ReadOnly);
                await using var to = Open(SqliteMailStore.PathIn(dataDirectory), SqliteOpenMode.ReadWriteCreate);
                await from.OpenAsync(cancellationToken);
                await to.OpenAsync(cancellationToken);
                // Through the backup API, not a file copy: the store's WAL is written and checkpointed as SQLite does it.
                from.BackupDatabase(to);
                await ExecAsync(to, "PRAGMA journal_mode=WAL; PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);
            }
            catch (SqliteException e)
            {
                throw new BackupException($"cannot restore into {SqliteMailStore.PathIn(dataDirectory)}: {e.Message}", e);
            }
        }

        return version;
    }

    /// <summary>The file's migration version, once it is shown to be an intact Rendezvous store this build can open.</summary>
    public static async Task<int> CheckAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = Open(file, SqliteOpenMode.ReadOnly);
            await connection.OpenAsync(cancellationToken);
            var tables = new HashSet<string>(StringComparer.Ordinal);
            await using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table';";
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    tables.Add(reader.GetString(0));
                }
            }

            if (StoreTables.FirstOrDefault(t => !tables.Contains(t)) is { } missing)
            {
                throw new BackupException($"{file} is not a Rendezvous store (no {missing} table)");
            }

            var version = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken), CultureInfo.InvariantCulture);
            if (version < 1 || version > SqliteMailStore.SchemaVersion)
            {
                throw new BackupException(string.Create(CultureInfo.InvariantCulture,
                    $"{file} is a store of migration version {version}; this Rendezvous knows versions 1 to {SqliteMailStore.SchemaVersion}"));
            }

            var check = (string?)await ScalarAsync(connection, "PRAGMA quick_check;", cancellationToken);
            return check == "ok" ? version : throw new BackupException($"{file} is damaged: {check}");
        }
        catch (SqliteException e)
        {
            throw new BackupException($"{file} is not a readable SQLite database: {e.Message}", e);
        }
    }

    private static string LockPath(string dataDirectory) => SqliteMailStore.PathIn(dataDirectory) + ".serving";

    private static SqliteConnection Open(string path, SqliteOpenMode mode) =>
        new(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString());

    private static async Task ExecAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync(cancellationToken);
    }
}
