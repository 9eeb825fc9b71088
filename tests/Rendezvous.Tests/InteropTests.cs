using System.Diagnostics;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// A real third-party client, exchangelib (Debian's python3-exchangelib), drives the server.
/// Each script in tests/interop/exchangelib prints `ok NAME` or `FAIL NAME: reason` per check.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class InteropTests(ServerFixture server)
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var script in Directory.GetFiles(Path.Combine(Processes.RepositoryRoot, "tests", "interop", "exchangelib"), "t*.py").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(script));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Exchangelib(string script)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tests", "interop", "exchangelib", script));
        info.Environment["RDV_URL"] = server.Url;
        info.Environment["RDV_USER1"] = ServerFixture.Alice;
        info.Environment["RDV_PASSWORD1"] = ServerFixture.Password;
        info.Environment["RDV_USER2"] = ServerFixture.Bob;
        info.Environment["RDV_PASSWORD2"] = ServerFixture.Password;
        var (exitCode, stdout, stderr) = await Processes.RunAsync(info, timeoutSeconds: 300);
        Assert.True(exitCode == 0, $"{script} exited {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains("ok ", stdout, StringComparison.Ordinal);
    }
}
