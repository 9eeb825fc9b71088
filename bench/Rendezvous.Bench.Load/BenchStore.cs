using System.Globalization;
using Npgsql;
using Rendezvous.Store;
using Rendezvous.Store.Postgres;

namespace Rendezvous.Bench.Load;

/// <summary>
/// The store a bench run seeds and serves from: SQLite in the run's data folder (the default), or, with
/// <c>--store postgres</c>, a fresh database made for the run on the server <c>--connection</c> names (dropped at the end
/// unless --keep). On PostgreSQL each measured workload also reports PostgreSQL's own figures for it: the statements
/// that took the most time (pg_stat_statements, when the server loads it).
/// </summary>
internal sealed class BenchStore(string? adminConnection, TextWriter log)
{
    private string? connection;
    private bool statements;

    public bool IsPostgres => adminConnection is not null;

    public string Name => IsPostgres ? "postgres" : "sqlite";

    /// <summary>Makes the run's database (PostgreSQL); SQLite needs nothing beyond the data folder.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (adminConnection is null)
        {
            return;
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"rdv_bench_{Environment.ProcessId}");
        await using (var admin = new NpgsqlConnection(adminConnection))
        {
            await admin.OpenAsync(cancellationToken);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE); CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';", admin);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        connection = new NpgsqlConnectionStringBuilder(adminConnection) { Database = name }.ConnectionString;
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync(cancellationToken);
        try
        {
            await using var ext = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;", db);
            await ext.ExecuteNonQueryAsync(cancellationToken);
            await using var probe = new NpgsqlCommand("SELECT count(*) FROM pg_stat_statements;", db);
            await probe.ExecuteScalarAsync(cancellationToken);
            statements = true;
        }
        catch (PostgresException e)
        {
            log.WriteLine("postgres: no pg_stat_statements (" + e.MessageText + "): statement figures skipped");
        }

        log.WriteLine("postgres: database " + name);
    }

    public async Task<IMailStore> OpenAsync(string dataDirectory, CancellationToken cancellationToken) =>
        connection is not null ? await PostgresMailStore.OpenAsync(connection, cancellationToken) : await SqliteMailStore.OpenAsync(dataDirectory, cancellationToken);

    /// <summary>What `rdv serve` is given to serve from this store.</summary>
    public string[] ServerArguments(string dataDirectory) => connection is not null ? ["--store", "postgres", "--connection", connection] : ["--data", dataDirectory];

    /// <summary>Forgets PostgreSQL's statement figures, so that the next report covers one workload.</summary>
    public async Task ResetStatementsAsync(CancellationToken cancellationToken)
    {
        if (connection is null || !statements)
        {
            return;
        }

        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("SELECT pg_stat_statements_reset();", db);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The statements that took PostgreSQL the most time since the last reset, per operation of the workload.</summary>
    public async Task ReportStatementsAsync(string workload, long operations, CancellationToken cancellationToken)
    {
        if (connection is null || !statements || operations == 0)
        {
            return;
        }

        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("""
            SELECT calls, total_exec_time, mean_exec_time, shared_blks_hit + shared_blks_read, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT 6;
            """, db);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var total = 0.0;
        var lines = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            total += reader.GetDouble(1);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"# pg {workload}: {reader.GetInt64(0) / (double)operations:F2} calls/op, {reader.GetDouble(1) * 1000 / operations:F0} us/op, mean {reader.GetDouble(2) * 1000:F0} us, {reader.GetInt64(3) / (double)Math.Max(1, reader.GetInt64(0)):F0} blocks/call: {reader.GetString(4)}"));
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# pg {workload}: top statements' execution time {total * 1000 / operations:F0} us/op"));
        foreach (var line in lines)
        {
            log.WriteLine(line);
        }
    }

    public async Task DropAsync(bool keep)
    {
        if (connection is null || adminConnection is null)
        {
            return;
        }

        if (keep)
        {
            log.WriteLine("database kept: " + new NpgsqlConnectionStringBuilder(connection).Database);
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(adminConnection);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(connection).Database} WITH (FORCE);", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
