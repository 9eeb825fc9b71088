using System.Diagnostics;
using Npgsql;

namespace Rendezvous.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL the tests run against: <c>RDV_TEST_POSTGRES</c> (a connection string to a server where the user may
/// create databases) when set, else a temporary cluster of Debian's <c>postgresql</c> package, started once for the
/// test run (initdb in a temporary folder, a free port, its socket in that folder) and stopped when the run ends.
/// Each fixture takes a database of its own (<see cref="CreateDatabaseAsync"/>), so tests stay independent.
/// </summary>
public static class PostgresCluster
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);
    private static string? folder;
    private static string? pgCtl;

    /// <summary>A new empty database; its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var admin = await Server.Value;
        var name = "rdv_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';", connection);
            await cmd.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Drops a database <see cref="CreateDatabaseAsync"/> made (its connections closed first).</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(await Server.Value);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE);", connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("RDV_TEST_POSTGRES") is { Length: > 0 } given)
        {
            return given;
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException(
                "PostgreSQL is not installed: the PostgreSQL store tests need Debian's postgresql package (apt-get install -y postgresql), or RDV_TEST_POSTGRES set to a connection string of a server where the user may create databases.");
        }

        // A run's folder outlives it when the test host exits before the deletion at its end finishes: removed here,
        // once its cluster is down (no postmaster.pid) and it is an hour old (not a run starting beside this one).
        foreach (var old in Directory.GetDirectories(Path.GetTempPath(), "rdv-pg-*")
            .Where(d => !File.Exists(Path.Combine(d, "data", "postmaster.pid")) && Directory.GetLastWriteTimeUtc(d) < DateTime.UtcNow.AddHours(-1)))
        {
            try
            {
                Directory.Delete(old, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        folder = Path.Combine(Path.GetTempPath(), "rdv-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var port = Processes.FreePort();
        // PostgreSQL refuses to run as root: as root, the cluster is the postgres user's (who owns its folder).
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", "postgres", folder);
        }

        var data = Path.Combine(folder, "data");
        await RunAsync(asRoot, Path.Combine(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync");
        pgCtl = Path.Combine(bin, "pg_ctl");
        await RunAsync(asRoot, pgCtl, "-D", data, "-l", Path.Combine(folder, "log"), "-w", "-t", "60", "-o",
            $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=64MB", "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(asRoot, data);
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false;Timeout=30";
    }

    private static void Stop(bool asRoot, string data)
    {
        try
        {
            RunAsync(asRoot, pgCtl!, "-D", data, "-m", "immediate", "-w", "stop").GetAwaiter().GetResult();
            // The postmaster may still be removing its last files as pg_ctl returns.
            for (var attempt = 0; Directory.Exists(folder) && attempt < 20; attempt++)
            {
                try
                {
                    Directory.Delete(folder!, recursive: true);
                }
                catch (IOException) when (attempt < 19)
                {
                    Thread.Sleep(100);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // A cluster left behind is in a temporary folder: nothing a later run depends on.
        }
    }

    private static Task RunAsync(string file, params string[] args) => RunAsync(false, file, args);

    private static async Task RunAsync(bool asPostgres, string file, params string[] args)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stdout} {await stderr}");
        }
    }
}
