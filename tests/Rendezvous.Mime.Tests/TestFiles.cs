namespace Rendezvous.Mime.Tests;

/// <summary>The repository's tests/data/mime, found from the test binaries upwards.</summary>
internal static class TestFiles
{
    public static string Mime(string name) => Path.Combine(Root, "tests", "data", "mime", name);

    /// <summary>The repository's root (where Rendezvous.slnx is).</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rendezvous.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }
}
