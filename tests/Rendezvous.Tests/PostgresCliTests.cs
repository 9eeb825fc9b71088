using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>The rdv commands on PostgreSQL, as an operator runs them: --store and --connection, or RDV_STORE and RDV_CONNECTION.</summary>
public sealed class PostgresCliTests : IAsyncLifetime
{
    private string connection = "";

    public async Task InitializeAsync() => connection = await PostgresCluster.CreateDatabaseAsync();

    public Task DisposeAsync() => PostgresCluster.DropDatabaseAsync(connection);

    private System.Diagnostics.ProcessStartInfo Rdv(params string[] args) => Processes.Rdv([.. args, "--store", "postgres", "--connection", connection]);

    [Fact]
    public async Task Migrate_the_admin_commands_and_serve_work_on_one_database()
    {
        var migrate = await Processes.RunAsync(Rdv("migrate"));
        Assert.True(migrate.ExitCode == 0, migrate.Stderr);
        Assert.Contains("migrated", migrate.Stdout, StringComparison.Ordinal);

        var add = await Processes.RunAsync(Rdv("user", "add", "dana@example.com", "--name", "Dana Leroy", "--password-stdin"), "s3cret\n");
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.Equal(1, (await Processes.RunAsync(Rdv("user", "add", "DANA@example.com", "--password-stdin"), "x\n")).ExitCode);
        Assert.Equal(0, (await Processes.RunAsync(Rdv("room", "add", "room@example.com", "--capacity", "6"))).ExitCode);
        Assert.Equal(0, (await Processes.RunAsync(Rdv("group", "add", "team@example.com", "dana@example.com"))).ExitCode);
        Assert.Equal(0, (await Processes.RunAsync(Rdv("user", "working-hours", "dana@example.com", "--start", "09:00", "--end", "17:00", "--days", "Mon,Tue", "--tz", "Europe/Paris"))).ExitCode);

        // Grants (rdv user grant-*, grants, revoke-*) on the same database.
        Assert.Equal(0, (await Processes.RunAsync(Rdv("user", "add", "svc@example.com", "--password-stdin"), "x\n")).ExitCode);
        var granted = await Processes.RunAsync(Rdv("user", "grant-send-as", "svc@example.com", "--for", "dana@example.com"));
        Assert.True(granted.ExitCode == 0, granted.Stderr);
        Assert.Equal(0, (await Processes.RunAsync(Rdv("user", "grant-impersonation", "svc@example.com"))).ExitCode);
        var grants = await Processes.RunAsync(Rdv("user", "grants", "svc@example.com"));
        Assert.Equal(["impersonation\tevery mailbox", "send-as\tdana@example.com"], grants.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(0, (await Processes.RunAsync(Rdv("user", "revoke-impersonation", "svc@example.com"))).ExitCode);
        Assert.Equal("send-as\tdana@example.com", (await Processes.RunAsync(Rdv("user", "grants", "svc@example.com"))).Stdout.Trim());

        // The environment names the store as well as the options do.
        var list = Processes.Rdv("user", "list");
        list.Environment["RDV_STORE"] = "postgres";
        list.Environment["RDV_CONNECTION"] = connection;
        var listed = await Processes.RunAsync(list);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Contains("dana@example.com\tDana Leroy", listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("room@example.com", (await Processes.RunAsync(Rdv("room", "list"))).Stdout, StringComparison.Ordinal);

        var port = Processes.FreePort();
        using var server = await Processes.StartServerAsync(port, "--store", "postgres", "--connection", connection);
        try
        {
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/EWS/Exchange.asmx")
            {
                Content = new StringContent(Soap.Envelope("<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:GetFolder>", "Exchange2013_SP1"), Encoding.UTF8, "text/xml"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("dana@example.com:s3cret")));
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("NoError", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Backup_and_restore_with_a_postgres_store_point_to_pg_dump_and_pg_restore()
    {
        using var folder = new TempFolder("rdv-pgbackup-");
        Directory.CreateDirectory(folder.Path);
        var file = Path.Combine(folder.Path, "copy.db");
        var backup = await Processes.RunAsync(Rdv("backup", file, "--data", folder.Path));
        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("pg_dump", backup.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", backup.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        var restore = await Processes.RunAsync(Rdv("restore", file, "--data", folder.Path));
        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("pg_restore", restore.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", restore.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_postgres_store_without_a_connection_or_an_unknown_store_is_a_usage_error()
    {
        Assert.Equal(2, (await Processes.RunAsync(Processes.Rdv("user", "list", "--store", "postgres"))).ExitCode);
        Assert.Equal(2, (await Processes.RunAsync(Processes.Rdv("migrate", "--store", "oracle", "--connection", "x"))).ExitCode);
    }
}
