using System.Diagnostics;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>Files generated from the EWS schema are what their generator makes of it today: a stale one fails here.</summary>
public sealed class GeneratedFilesTests
{
    [Fact]
    public async Task The_schema_element_table_is_what_the_generator_makes_of_the_schema()
    {
        var output = Path.Combine(Path.GetTempPath(), "rdv-schema-elements-" + Guid.NewGuid().ToString("N") + ".txt");
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tools", "gen-schema-elements.py"));
            info.ArgumentList.Add(TestData.Path("ews-schema"));
            info.ArgumentList.Add(output);
            var (exit, _, stderr) = await Processes.RunAsync(info);
            Assert.True(exit == 0, stderr);
            var committed = await File.ReadAllTextAsync(Path.Combine(Processes.RepositoryRoot, "src", "Rendezvous.Protocol", "SchemaElements.g.txt"));
            Assert.True(committed == await File.ReadAllTextAsync(output), "src/Rendezvous.Protocol/SchemaElements.g.txt is stale: run tools/gen-schema-elements.py from the repository root");
        }
        finally
        {
            File.Delete(output);
        }
    }
}
