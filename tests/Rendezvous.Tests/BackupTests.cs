using System.Collections.Concurrent;
using System.Net;
using Microsoft.Data.Sqlite;
using Rendezvous.Server;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// `rdv backup FILE` and `rdv restore FILE` (issue 19 §6) as a user runs them, beside a server under a write load:
/// the backup holds every item acknowledged before it began, a restore refuses while a server holds the store and
/// refuses files that are not a Rendezvous store of a known version, and a restored store serves those items again.
/// </summary>
public sealed class BackupTests : IDisposable
{
    private const string Alice = ServerFixture.Alice;

    private readonly TempFolder root = new("rdv-backup-");

    public void Dispose() => root.Dispose();

    private string Data => Path.Combine(root.Path, "data");

    private string BackupFile => Path.Combine(root.Path, "backup.db");

    [Fact]
    public async Task A_backup_under_a_write_load_restored_holds_every_item_acknowledged_before_the_backup_began()
    {
        var server = await StartAsync();
        string[] before;
        string afterBackup;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var acknowledged = new ConcurrentQueue<string>();
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    acknowledged.Enqueue(await CreateAsync(http, server, "load " + n));
                }
            });
            while (acknowledged.Count < 20 && !writer.IsCompleted)
            {
                await Task.Delay(20);
            }

            before = [.. acknowledged];
            var backup = await Processes.RunAsync(Processes.Rdv("backup", BackupFile, "--data", Data));
            Assert.True(backup.ExitCode == 0, backup.Stderr);
            // Writes were acknowledged while the backup ran (a count, not a time): it did not stop them.
            Assert.True(acknowledged.Count > before.Length);
            Assert.Contains($"(migration version {SqliteMailStore.SchemaVersion})", backup.Stdout, StringComparison.Ordinal);
            await stop.CancelAsync();
            await writer; // the writes went on beside the backup, none failed
            afterBackup = await CreateAsync(http, server, "after the backup");

            // A running server holds the store: no restore over it.
            var refused = await Processes.RunAsync(Processes.Rdv("restore", BackupFile, "--data", Data));
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("a running server holds", refused.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }

        var restore = await Processes.RunAsync(Processes.Rdv("restore", BackupFile, "--data", Data));
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        await using var restored = await RendezvousServer.StartAsync(new ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = Data });
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var found = await EwsHttp.PostAsync(client, restored.EwsUrl, Alice, Soap.Envelope(GetItems(before)));
        Assert.Equal(before.Length, found.Messages.Count);
        Assert.All(found.Messages, m => Assert.Equal("NoError", m.Element(EwsResponse.M + "ResponseCode")!.Value));
        // The store was replaced: what was written after the backup is not in it.
        Assert.Equal("ErrorItemNotFound", (await EwsHttp.PostAsync(client, restored.EwsUrl, Alice, Soap.Envelope(GetItems([afterBackup])))).Code());
    }

    [Fact]
    public async Task A_restore_refuses_a_file_that_is_no_Rendezvous_store_of_a_known_version_and_leaves_the_store_alone()
    {
        await (await StartAsync()).DisposeAsync();
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("backup", BackupFile, "--data", Data))).ExitCode);

        var text = Path.Combine(root.Path, "notes.txt");
        await File.WriteAllTextAsync(text, "not a database at all, just some text that is long enough to have a header of sorts.");
        var other = Path.Combine(root.Path, "other.db");
        var newer = Path.Combine(root.Path, "newer.db");
        File.Copy(BackupFile, newer);
        await using (var connection = new SqliteConnection($"Data Source={other};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "CREATE TABLE users (address TEXT);";
            await cmd.ExecuteNonQueryAsync();
        }

        await using (var connection = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 999;";
            await cmd.ExecuteNonQueryAsync();
        }

        foreach (var (file, why) in new[]
        {
            (text, "is not a readable SQLite database"),
            (other, "is not a Rendezvous store (no folders table)"),
            (newer, $"is a store of migration version 999; this Rendezvous knows versions 1 to {SqliteMailStore.SchemaVersion}"),
            (Path.Combine(root.Path, "absent.db"), "no file"),
        })
        {
            var result = await Processes.RunAsync(Processes.Rdv("restore", file, "--data", Data));
            Assert.Equal(1, result.ExitCode);
            Assert.Contains(why, result.Stderr, StringComparison.Ordinal);
        }

        // The store is as it was: its user still signs in.
        await using var server = await RendezvousServer.StartAsync(new ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = Data });
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await EwsHttp.PostAsync(http, server.EwsUrl, Alice, Soap.Envelope(GetItems([])))).Status);
    }

    [Fact]
    public async Task A_server_does_not_start_while_a_restore_holds_the_store()
    {
        Directory.CreateDirectory(Data);
        // What a restore holds while it writes: the serving lock, exclusively.
        await using (new FileStream(SqliteMailStore.PathIn(Data) + ".serving", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var e = await Assert.ThrowsAsync<ServerStartException>(() => RendezvousServer.StartAsync(new ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = Data }));
            Assert.Contains("is being restored", e.Message, StringComparison.Ordinal);
        }
    }

    private async Task<RendezvousServer> StartAsync()
    {
        var server = await RendezvousServer.StartAsync(new ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = Data });
        await server.Store.AddUserAsync(Alice, "Alice", PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return server;
    }

    private static async Task<string> CreateAsync(HttpClient http, RendezvousServer server, string subject)
    {
        var created = await EwsHttp.PostAsync(http, server.EwsUrl, Alice, Soap.Envelope(
            "<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId><t:DistinguishedFolderId Id=\"drafts\"/></m:SavedItemFolderId>" +
            $"<m:Items><t:Message><t:Subject>{subject}</t:Subject></t:Message></m:Items></m:CreateItem>"));
        return created.Ok().Descendants(EwsResponse.T + "ItemId").Single().Attribute("Id")!.Value;
    }

    private static string GetItems(IEnumerable<string> ids) =>
        ids.Any()
            ? $"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>{string.Concat(ids.Select(id => $"<t:ItemId Id=\"{id}\"/>"))}</m:ItemIds></m:GetItem>"
            : "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:GetFolder>";
}
