namespace Rendezvous.Mime.Tests;

/// <summary>The repository's tests/data/mime, found from the test binaries upwards.</summary>
internal static class TestFiles
{
    public static string Mime(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rendezvous.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "tests", "data", "mime", name);
    }
}
