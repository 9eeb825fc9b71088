using System.Xml.Linq;
using Rendezvous.Server;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.Security;

/// <summary>
/// A full store (here a database capped at 2 MiB, which SQLite reports as a full disk) refuses writes with
/// ErrorInsufficientResources, keeps every acknowledged write, and takes writes again once there is room. (Trust issue, defect 7.)
/// </summary>
public sealed class StoreFullSecurityTests : IAsyncLifetime
{
    private static readonly XNamespace T = EwsResponse.T;
    private readonly string data = Path.Combine(Path.GetTempPath(), "rdv-full-" + Guid.NewGuid().ToString("N"));
    private RendezvousServer server = null!;
    private readonly HttpClient http = new();

    public async Task InitializeAsync()
    {
        server = await RendezvousServer.StartAsync(new ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = data, MaxStoreBytes = 2 * 1024 * 1024 });
        await server.Store.AddUserAsync(ServerFixture.Alice, "Alice", PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await server.DisposeAsync();
        Directory.Delete(data, recursive: true);
    }

    private Task<EwsResponse> CallAsync(string body) => EwsHttp.PostAsync(http, server.EwsUrl, ServerFixture.Alice, Soap.Envelope(body));

    private static string CreateMessage(int n) => $"""
        <m:CreateItem MessageDisposition="SaveOnly">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId>
          <m:Items><t:Message><t:Subject>filler {n}</t:Subject><t:Body BodyType="Text">{new string((char)('a' + (n % 26)), 60_000)}</t:Body></t:Message></m:Items>
        </m:CreateItem>
        """;

    [Fact]
    public async Task A_full_store_answers_ErrorInsufficientResources_loses_nothing_and_recovers()
    {
        var kept = new List<string>();
        string? refusal = null;
        for (var n = 0; n < 80 && refusal is null; n++)
        {
            var response = await CallAsync(CreateMessage(n));
            var code = response.Code();
            if (code == "NoError")
            {
                kept.Add((string)response.Document.Descendants(T + "ItemId").Single().Attribute("Id")!);
            }
            else
            {
                refusal = code;
            }
        }

        Assert.Equal("ErrorInsufficientResources", refusal);
        Assert.NotEmpty(kept);

        // Every acknowledged write is still there, and reads work on a full store.
        foreach (var id in kept)
        {
            Assert.Equal("NoError", (await CallAsync(Requests.GetItem(id, "IdOnly"))).Code());
        }

        // Room made by deleting lets writes in again.
        foreach (var id in kept.Take(kept.Count / 2))
        {
            Assert.Equal("NoError", (await CallAsync($"<m:DeleteItem DeleteType=\"HardDelete\"><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:DeleteItem>")).Code());
        }

        Assert.Equal("NoError", (await CallAsync(CreateMessage(99))).Code());
    }
}
